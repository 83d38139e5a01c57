/* procio.h — what the kernel counts for this process, and its clock. */
#ifndef KOUAN_PROCIO_H
#define KOUAN_PROCIO_H

/* Bytes this process has written through write-like calls so far
 * (/proc/self/io "wchar": to files, pipes and sockets, cached or not), or
 * 0 where the kernel does not say. */
unsigned long long kouan_bytes_written(void);

/* Seconds on the monotonic clock (for durations). */
double kouan_seconds(void);
#endif
