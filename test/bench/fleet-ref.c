/*
 * fleet-ref: an outside reference for the fleet rows of `npm run bench` (fleet-bench.ts),
 * in C so that the clients cost next to nothing beside the broker: N publishers, each to its
 * own subscriber (topic per pair), MQTT 3.1.1, 64-byte payloads, one PUBLISH per write(),
 * paced evenly (message m of the fleet is due at m / (pairs × rate) s), open loop; one
 * epoll loop reads every socket into one buffer and answers QoS 1 with PUBACK. After the
 * warm-up it reads the broker's /proc/PID/task/<*>/schedstat and counts deliveries over the
 * window, and prints the broker's CPU per delivery, p50/p99 send → receive and its own CPU.
 *
 *   cc -O2 -o /tmp/fleet-ref test/bench/fleet-ref.c
 *   taskset -c 0 /tmp/fleet-ref PORT BROKER_PID [pairs=500] [rate=100] [qos=0] [warmup_s=3] [seconds=10]
 *
 * Not a test and not part of `npm run bench`: a hand-run check that the Node clients of the
 * fleet rows do not change what a broker costs per delivery (README, Device fleet).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PAYLOAD 64
#define MAX_LAT 200000 /* latency histogram: 0.1 ms buckets up to 20 s */

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* Run time of every thread of `pid` so far, in ns (first field of schedstat). */
static double sched_run_ns(int pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", pid);
  DIR *dir = opendir(path);
  if (!dir) return -1;
  double total = 0;
  struct dirent *e;
  while ((e = readdir(dir))) {
    if (e->d_name[0] == '.') continue;
    char file[300];
    snprintf(file, sizeof file, "/proc/%d/task/%s/schedstat", pid, e->d_name);
    FILE *f = fopen(file, "r");
    if (!f) continue;
    double run = 0;
    if (fscanf(f, "%lf", &run) == 1) total += run;
    fclose(f);
  }
  closedir(dir);
  return total;
}

static int write_all(int fd, const unsigned char *buf, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    buf += w;
    n -= (size_t)w;
  }
  return 0;
}

static size_t put_str(unsigned char *p, const char *s) {
  size_t n = strlen(s);
  p[0] = (unsigned char)(n >> 8);
  p[1] = (unsigned char)n;
  memcpy(p + 2, s, n);
  return n + 2;
}

/* Blocking connect, CONNECT (and SUBSCRIBE), wait for CONNACK (and SUBACK); returns the fd. */
static int open_client(int port, const char *id, const char *filter, int qos) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    perror("connect");
    exit(1);
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  unsigned char out[512];
  size_t n = 0;
  unsigned char body[256];
  size_t b = put_str(body, "MQTT");
  body[b++] = 4;    /* 3.1.1 */
  body[b++] = 0x02; /* clean session */
  body[b++] = 0x01; /* keepalive 300 s */
  body[b++] = 0x2c;
  b += put_str(body + b, id);
  out[n++] = 0x10;
  out[n++] = (unsigned char)b;
  memcpy(out + n, body, b);
  n += b;
  if (filter) {
    b = 0;
    body[b++] = 0;
    body[b++] = 1; /* packet ID 1 */
    b += put_str(body + b, filter);
    body[b++] = (unsigned char)qos;
    out[n++] = 0x82;
    out[n++] = (unsigned char)b;
    memcpy(out + n, body, b);
    n += b;
  }
  write_all(fd, out, n);
  size_t want = filter ? 4 + 5 : 4;
  unsigned char in[16];
  size_t got = 0;
  while (got < want) {
    ssize_t r = read(fd, in + got, want - got);
    if (r <= 0) {
      fprintf(stderr, "handshake failed for %s\n", id);
      exit(1);
    }
    got += (size_t)r;
  }
  if (in[3] != 0 || (filter && in[8] >= 0x80)) {
    fprintf(stderr, "refused: %s\n", id);
    exit(1);
  }
  return fd;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: fleet-ref PORT BROKER_PID [pairs] [rate] [qos] [warmup_s] [seconds]\n");
    return 2;
  }
  int port = atoi(argv[1]), pid = atoi(argv[2]);
  int pairs = argc > 3 ? atoi(argv[3]) : 500;
  double rate = argc > 4 ? atof(argv[4]) : 100;
  int qos = argc > 5 ? atoi(argv[5]) : 0;
  double warmup = (argc > 6 ? atof(argv[6]) : 3) * 1e3;
  double seconds = (argc > 7 ? atof(argv[7]) : 10) * 1e3;

  int *subs = calloc((size_t)pairs, sizeof(int)), *pubs = calloc((size_t)pairs, sizeof(int));
  unsigned char **tmpl = calloc((size_t)pairs, sizeof(unsigned char *));
  size_t *tlen = calloc((size_t)pairs, sizeof(size_t));
  uint16_t *mid = calloc((size_t)pairs, sizeof(uint16_t));
  char id[64], topic[64];
  int tag = (int)getpid();
  for (int i = 0; i < pairs; i++) {
    snprintf(id, sizeof id, "ref%d-s%d", tag, i);
    snprintf(topic, sizeof topic, "ref/%d/%d", tag, i);
    subs[i] = open_client(port, id, topic, qos);
  }
  for (int i = 0; i < pairs; i++) {
    snprintf(id, sizeof id, "ref%d-p%d", tag, i);
    pubs[i] = open_client(port, id, NULL, 0);
    snprintf(topic, sizeof topic, "ref/%d/%d", tag, i);
    unsigned char *t = malloc(256);
    size_t tl = strlen(topic), rem = 2 + tl + (qos ? 2 : 0) + PAYLOAD, n = 0;
    t[n++] = (unsigned char)(0x30 | (qos << 1));
    t[n++] = (unsigned char)rem;
    n += put_str(t + n, topic);
    if (qos) n += 2;
    memset(t + n, 'a', PAYLOAD);
    tmpl[i] = t;
    tlen[i] = n + PAYLOAD;
    mid[i] = 1;
  }

  int ep = epoll_create1(0);
  for (int i = 0; i < pairs; i++) {
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = subs[i]};
    epoll_ctl(ep, EPOLL_CTL_ADD, subs[i], &ev);
    ev.data.fd = pubs[i];
    epoll_ctl(ep, EPOLL_CTL_ADD, pubs[i], &ev);
  }

  static uint32_t hist[MAX_LAT];
  static unsigned char buf[65536], acks[65536];
  /* Partial packets per fd: at most one 100-byte packet is ever split here. */
  static unsigned char rest[65536][128];
  static int restlen[65536];
  double per_ms = pairs * rate / 1e3;
  long long sent = 0, delivered = 0, window_delivered = 0;
  double start = now_ms(), window_from = start + warmup, window_to = window_from + seconds;
  double sched_from = -1, sched_to = -1;
  struct rusage ru_from, ru_to;
  struct epoll_event events[1024];
  int stage = 0; /* 0 warm-up, 1 window, 2 done */
  while (stage < 2) {
    double t = now_ms();
    if (stage == 0 && t >= window_from) {
      sched_from = sched_run_ns(pid);
      getrusage(RUSAGE_SELF, &ru_from);
      stage = 1;
    } else if (stage == 1 && t >= window_to) {
      sched_to = sched_run_ns(pid);
      getrusage(RUSAGE_SELF, &ru_to);
      stage = 2;
      break;
    }
    long long due = (long long)((t - start) * per_ms);
    while (sent < due) {
      int i = (int)(sent % pairs);
      unsigned char *p = tmpl[i];
      size_t at = tlen[i] - PAYLOAD;
      if (qos) {
        p[at - 2] = (unsigned char)(mid[i] >> 8);
        p[at - 1] = (unsigned char)mid[i];
        mid[i] = mid[i] == 0xffff ? 1 : mid[i] + 1;
      }
      double stamp = now_ms();
      memcpy(p + at, &stamp, sizeof stamp);
      write_all(pubs[i], p, tlen[i]); /* one packet per write, as a device sends it */
      sent++;
    }
    int n = epoll_wait(ep, events, 1024, 1);
    for (int e = 0; e < n; e++) {
      int fd = events[e].data.fd;
      int have = restlen[fd];
      memcpy(buf, rest[fd], (size_t)have);
      ssize_t r = read(fd, buf + have, sizeof buf - (size_t)have);
      if (r <= 0) {
        fprintf(stderr, "connection closed\n");
        return 1;
      }
      size_t len = (size_t)have + (size_t)r, at = 0, nacks = 0;
      double received = now_ms();
      while (len - at >= 2) {
        size_t rl = buf[at + 1]; /* every packet here is under 128 bytes */
        if (at + 2 + rl > len) break;
        if ((buf[at] >> 4) == 3) {
          size_t tl = ((size_t)buf[at + 2] << 8) | buf[at + 3];
          size_t body = at + 4 + tl;
          if ((buf[at] >> 1) & 3) {
            acks[nacks++] = 0x40;
            acks[nacks++] = 2;
            acks[nacks++] = buf[body];
            acks[nacks++] = buf[body + 1];
            body += 2;
          }
          double stamp;
          memcpy(&stamp, buf + body, sizeof stamp);
          delivered++;
          if (received >= window_from && received < window_to) {
            window_delivered++;
            long bucket = (long)((received - stamp) * 10);
            hist[bucket < 0 ? 0 : bucket >= MAX_LAT ? MAX_LAT - 1 : bucket]++;
          }
        }
        at += 2 + rl;
      }
      restlen[fd] = (int)(len - at);
      memcpy(rest[fd], buf + at, len - at);
      if (nacks) write_all(fd, acks, nacks);
    }
  }
  double p50 = 0, p99 = 0;
  long long seen = 0;
  for (int b = 0; b < MAX_LAT; b++) {
    seen += hist[b];
    if (!p50 && seen >= window_delivered * 0.5) p50 = b / 10.0;
    if (!p99 && seen >= window_delivered * 0.99) {
      p99 = b / 10.0;
      break;
    }
  }
  double self_ms = (ru_to.ru_utime.tv_sec - ru_from.ru_utime.tv_sec + ru_to.ru_stime.tv_sec - ru_from.ru_stime.tv_sec) * 1e3 +
                   (ru_to.ru_utime.tv_usec - ru_from.ru_utime.tv_usec + ru_to.ru_stime.tv_usec - ru_from.ru_stime.tv_usec) / 1e3;
  printf("pairs %d × %.0f/s QoS %d: delivered %.0f/s of %.0f/s offered; broker %.1f µs CPU per delivery (%.0f %% of a core); p50/p99 %.1f/%.1f ms; clients %.0f %% of a core\n",
         pairs, rate, qos, window_delivered / (seconds / 1e3), pairs * rate, (sched_to - sched_from) / 1e3 / (double)window_delivered,
         (sched_to - sched_from) / 1e6 / seconds * 100, p50, p99, self_ms / seconds * 100);
  return 0;
}
