/* wire.h — the frames between the server and its worker processes, over a
 * stream socket: a request is a kind, two numbers and three strings; an
 * answer is an HTTP status, a row count, flags, a Content-Type and a body.
 * Numbers are 32-bit in host order (both ends are the same binary). */
#ifndef KOUAN_SERVE_WIRE_H
#define KOUAN_SERVE_WIRE_H
#include <stddef.h>
#include <stdint.h>

enum wire_kind {
    WIRE_QUERY = 1,     /* a: serve_format, b: max rows; s[0] the query */
    WIRE_EVIDENCE = 2,  /* s[0..2]: subject, predicate, object */
    WIRE_GRAPH = 3      /* s[0]: IRIs, one a line */
};

#define WIRE_TRUNCATED 1u   /* answer flag: more rows than max rows */
#define WIRE_MAX_BYTES (256u << 20)   /* no string or body is longer */

typedef struct wire_request {
    uint32_t kind, a, b;
    char    *s[3];          /* NUL-terminated; owned by the holder */
    uint32_t len[3];
} wire_request;

typedef struct wire_answer {
    uint32_t status;        /* HTTP status; 0 in the worker's ready frame */
    uint32_t rows, flags;
    char    *content_type;  /* owned, NUL-terminated */
    char    *body;          /* owned, NUL-terminated, len bytes */
    uint32_t len;
} wire_answer;

/* Write a whole frame; 0 or -1 (errno set).  */
int wire_send_request(int fd, const wire_request *r);
int wire_send_answer(int fd, uint32_t status, uint32_t rows, uint32_t flags,
                     const char *content_type, const char *body, size_t len);

/* Read a whole frame, waiting at most until deadline_ms (a CLOCK_MONOTONIC
 * time in ms; 0: for ever).  0 on success; -1 on EOF or error; -2 when the
 * deadline passed.  Fills *r / *a, whose strings the caller frees with
 * wire_request_free / wire_answer_free. */
int wire_read_request(int fd, wire_request *r);
int wire_read_answer(int fd, wire_answer *a, int64_t deadline_ms);
void wire_request_free(wire_request *r);
void wire_answer_free(wire_answer *a);

/* Now on CLOCK_MONOTONIC, in milliseconds. */
int64_t wire_now_ms(void);
#endif
