/* wire.c — frames between the server and its workers (see wire.h). */
#include "wire.h"
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

int64_t wire_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads n bytes; -1 on EOF/error, -2 past the deadline. */
static int read_all(int fd, void *buf, size_t n, int64_t deadline_ms)
{
    char *p = buf;
    while (n > 0) {
        if (deadline_ms) {
            int64_t left = deadline_ms - wire_now_ms();
            if (left <= 0) return -2;
            struct pollfd pfd = { fd, POLLIN, 0 };
            int r = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
            if (r < 0 && errno != EINTR) return -1;
            if (r <= 0) continue;
        }
        ssize_t got = read(fd, p, n);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return -1;
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

/* A length-prefixed string, malloc'd and NUL-terminated. */
static int read_string(int fd, char **s, uint32_t *len, int64_t deadline_ms)
{
    uint32_t n;
    int rc = read_all(fd, &n, sizeof n, deadline_ms);
    if (rc) return rc;
    if (n > WIRE_MAX_BYTES) return -1;
    char *b = malloc((size_t)n + 1);
    if (!b) return -1;
    if ((rc = read_all(fd, b, n, deadline_ms))) { free(b); return rc; }
    b[n] = '\0';
    *s = b;
    if (len) *len = n;
    return 0;
}

static int write_string(int fd, const char *s, size_t n)
{
    uint32_t l = (uint32_t)n;
    if (n > WIRE_MAX_BYTES) { errno = EMSGSIZE; return -1; }
    return write_all(fd, &l, sizeof l) || write_all(fd, s ? s : "", n) ? -1 : 0;
}

int wire_send_request(int fd, const wire_request *r)
{
    uint32_t head[3] = { r->kind, r->a, r->b };
    if (write_all(fd, head, sizeof head)) return -1;
    for (int i = 0; i < 3; i++)
        if (write_string(fd, r->s[i], r->s[i] ? strlen(r->s[i]) : 0)) return -1;
    return 0;
}

int wire_send_answer(int fd, uint32_t status, uint32_t rows, uint32_t flags,
                     const char *content_type, const char *body, size_t len)
{
    uint32_t head[3] = { status, rows, flags };
    if (write_all(fd, head, sizeof head)) return -1;
    if (write_string(fd, content_type, content_type ? strlen(content_type) : 0)) return -1;
    return write_string(fd, body, len);
}

int wire_read_request(int fd, wire_request *r)
{
    uint32_t head[3];
    memset(r, 0, sizeof *r);
    if (read_all(fd, head, sizeof head, 0)) return -1;
    r->kind = head[0];
    r->a = head[1];
    r->b = head[2];
    for (int i = 0; i < 3; i++)
        if (read_string(fd, &r->s[i], &r->len[i], 0)) { wire_request_free(r); return -1; }
    return 0;
}

int wire_read_answer(int fd, wire_answer *a, int64_t deadline_ms)
{
    uint32_t head[3];
    memset(a, 0, sizeof *a);
    int rc = read_all(fd, head, sizeof head, deadline_ms);
    if (rc) return rc;
    a->status = head[0];
    a->rows = head[1];
    a->flags = head[2];
    if ((rc = read_string(fd, &a->content_type, NULL, deadline_ms)) ||
        (rc = read_string(fd, &a->body, &a->len, deadline_ms))) {
        wire_answer_free(a);
        return rc;
    }
    return 0;
}

void wire_request_free(wire_request *r)
{
    for (int i = 0; i < 3; i++) { free(r->s[i]); r->s[i] = NULL; }
}

void wire_answer_free(wire_answer *a)
{
    free(a->content_type);
    free(a->body);
    a->content_type = a->body = NULL;
}
