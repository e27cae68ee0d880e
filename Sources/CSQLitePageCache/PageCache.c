#include "CSQLitePageCache.h"

#include <sqlite3.h>
#include <stdatomic.h>

// The lock byte of SQLite's file format; the page after the one holding it
// is where btree.c parks a page while it renumbers the pages of a split.
#define PENDING_BYTE_OFFSET 0x40000000u

typedef struct {
    sqlite3_pcache *inner;
    // Every page in the cache has a number at most `largest`, or is the one
    // page at `parking` (when `parked`).
    unsigned largest;
    unsigned parking;
    int parked;
} WrappedCache;

static sqlite3_pcache_methods2 inner_methods;
static _Atomic uint64_t truncations_passed;
static _Atomic uint64_t truncations_skipped;

static int wrapped_init(void *unused) {
    (void)unused;
    return inner_methods.xInit ? inner_methods.xInit(inner_methods.pArg) : SQLITE_OK;
}

static void wrapped_shutdown(void *unused) {
    (void)unused;
    if (inner_methods.xShutdown) inner_methods.xShutdown(inner_methods.pArg);
}

static sqlite3_pcache *wrapped_create(int page_size, int extra_size, int purgeable) {
    WrappedCache *cache = sqlite3_malloc(sizeof(WrappedCache));
    if (!cache) return 0;
    cache->inner = inner_methods.xCreate(page_size, extra_size, purgeable);
    if (!cache->inner) {
        sqlite3_free(cache);
        return 0;
    }
    cache->largest = 0;
    cache->parking = page_size > 0 ? PENDING_BYTE_OFFSET / (unsigned)page_size + 1 : 0;
    cache->parked = 0;
    return (sqlite3_pcache *)cache;
}

static void note_key(WrappedCache *cache, unsigned key) {
    if (key == cache->parking) {
        cache->parked = 1;
    } else if (key > cache->largest) {
        cache->largest = key;
    }
}

static void wrapped_cachesize(sqlite3_pcache *p, int size) {
    inner_methods.xCachesize(((WrappedCache *)p)->inner, size);
}

static int wrapped_pagecount(sqlite3_pcache *p) {
    return inner_methods.xPagecount(((WrappedCache *)p)->inner);
}

static sqlite3_pcache_page *wrapped_fetch(sqlite3_pcache *p, unsigned key, int create) {
    WrappedCache *cache = (WrappedCache *)p;
    sqlite3_pcache_page *page = inner_methods.xFetch(cache->inner, key, create);
    if (page) note_key(cache, key);
    return page;
}

static void wrapped_unpin(sqlite3_pcache *p, sqlite3_pcache_page *page, int discard) {
    inner_methods.xUnpin(((WrappedCache *)p)->inner, page, discard);
}

static void wrapped_rekey(sqlite3_pcache *p, sqlite3_pcache_page *page, unsigned old_key, unsigned new_key) {
    WrappedCache *cache = (WrappedCache *)p;
    inner_methods.xRekey(cache->inner, page, old_key, new_key);
    // Keys are unique in a cache, so the parking place is empty once its page moved on.
    if (old_key == cache->parking) cache->parked = 0;
    note_key(cache, new_key);
}

static void wrapped_truncate(sqlite3_pcache *p, unsigned limit) {
    WrappedCache *cache = (WrappedCache *)p;
    unsigned bound = cache->parked && cache->parking > cache->largest ? cache->parking : cache->largest;
    if (limit > bound) {
        atomic_fetch_add_explicit(&truncations_skipped, 1, memory_order_relaxed);
        return;
    }
    atomic_fetch_add_explicit(&truncations_passed, 1, memory_order_relaxed);
    inner_methods.xTruncate(cache->inner, limit);
    if (cache->largest >= limit) cache->largest = limit > 0 ? limit - 1 : 0;
    if (cache->parking >= limit) cache->parked = 0;
}

static void wrapped_destroy(sqlite3_pcache *p) {
    WrappedCache *cache = (WrappedCache *)p;
    inner_methods.xDestroy(cache->inner);
    sqlite3_free(cache);
}

static void wrapped_shrink(sqlite3_pcache *p) {
    if (inner_methods.xShrink) inner_methods.xShrink(((WrappedCache *)p)->inner);
}

int mqlgate_page_cache_install(void) {
    static sqlite3_pcache_methods2 wrapped = {
        .iVersion = 2,
        .pArg = 0,
        .xInit = wrapped_init,
        .xShutdown = wrapped_shutdown,
        .xCreate = wrapped_create,
        .xCachesize = wrapped_cachesize,
        .xPagecount = wrapped_pagecount,
        .xFetch = wrapped_fetch,
        .xUnpin = wrapped_unpin,
        .xRekey = wrapped_rekey,
        .xTruncate = wrapped_truncate,
        .xDestroy = wrapped_destroy,
        .xShrink = wrapped_shrink,
    };
    int status = sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &inner_methods);
    if (status != SQLITE_OK) return status;
    if (!inner_methods.xCreate || !inner_methods.xFetch || !inner_methods.xRekey || !inner_methods.xTruncate) return SQLITE_MISUSE;
    return sqlite3_config(SQLITE_CONFIG_PCACHE2, &wrapped);
}

mqlgate_page_cache_statistics mqlgate_page_cache_stats(void) {
    mqlgate_page_cache_statistics stats = {
        atomic_load_explicit(&truncations_passed, memory_order_relaxed),
        atomic_load_explicit(&truncations_skipped, memory_order_relaxed),
    };
    return stats;
}
