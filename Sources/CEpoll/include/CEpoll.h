#ifndef MQLGATE_CEPOLL_H
#define MQLGATE_CEPOLL_H

#include <stdint.h>

// A narrow view of epoll, eventfd and accept4. Glibc's Swift module does not
// export them, and struct epoll_event is packed on x86_64, which Swift cannot
// lay out; these wrappers take plain arguments instead.

/// One readiness report: the registered token and the event bits.
typedef struct {
    uint64_t token;
    uint32_t events;
} cepoll_event;

enum {
    CEPOLL_IN = 0x001,
    CEPOLL_OUT = 0x004,
    CEPOLL_ERR = 0x008,
    CEPOLL_HUP = 0x010,
    CEPOLL_RDHUP = 0x2000,
    CEPOLL_ET = (int)(1u << 31),
};

int cepoll_create(void);
int cepoll_add(int epfd, int fd, uint32_t events, uint64_t token);
int cepoll_modify(int epfd, int fd, uint32_t events, uint64_t token);
int cepoll_remove(int epfd, int fd);
/// Waits up to `timeout_ms`; fills at most `max` entries of `out`.
int cepoll_wait(int epfd, cepoll_event *out, int max, int timeout_ms);

int cepoll_eventfd(void);
int cepoll_eventfd_signal(int fd);
int cepoll_eventfd_drain(int fd);

/// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC and TCP_NODELAY set; writes the
/// peer as "ip:port" (or "[ip6]:port") into `peer` (at least 64 bytes).
int cepoll_accept(int listen_fd, char *peer, int peer_len);

/// Names the calling thread for the kernel (top -H, perf); at most 15 bytes are kept.
void cepoll_name_thread(const char *name);

#endif
