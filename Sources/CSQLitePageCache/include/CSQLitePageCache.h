#ifndef MQLGATE_CSQLITE_PAGE_CACHE_H
#define MQLGATE_CSQLITE_PAGE_CACHE_H

#include <stdint.h>

// SQLite's default page cache, wrapped so that a commit does not scan the
// whole cache for pages past the end of the database when there are none.
//
// Why: when a B-tree split puts sibling pages in ascending order, SQLite
// parks one page at a temporary number just past the 1 GiB lock byte
// (PENDING_BYTE / page size + 1) and moves it on. The default cache
// remembers that number as the largest it has held, and the truncation
// that ends every write transaction then visits every hash bucket of the
// cache instead of the few past the end. With a 32 MiB cache and small
// commits, that walk was about a tenth of the writer's time per event. The
// wrapper tracks which numbers really are in the cache (the parking place
// is empty again once its page moved on) and passes a truncation to the
// default cache only when a page at or past the limit may exist.

/// Installs the wrapper; call once, before SQLite initialises (before the
/// first connection opens). Returns an SQLite result code.
int mqlgate_page_cache_install(void);

/// How many end-of-transaction truncations were passed to SQLite's cache
/// and how many were skipped because no page lay past the limit.
typedef struct {
    uint64_t truncations_passed;
    uint64_t truncations_skipped;
} mqlgate_page_cache_statistics;

mqlgate_page_cache_statistics mqlgate_page_cache_stats(void);

#endif
