/* bench/peers/common.h — what every C/C++ peer harness shares: a seeded generator
 * (splitmix64, the same family raftlab's sim/prng.h uses), wall/CPU clocks, peak RSS,
 * the simulated-time distribution and the JSON line every harness prints.
 * Header-only so each harness is one translation unit. */
#ifndef RAFTLAB_BENCH_PEERS_COMMON_H
#define RAFTLAB_BENCH_PEERS_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static inline uint64_t splitmix64(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
/* Uniform in [0, n) (n > 0); the modulo bias is < 2^-50 for the n used here. */
static inline uint64_t uniform_below(uint64_t *s, uint64_t n) { return splitmix64(s) % n; }

static inline double wall_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
static inline double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
static inline long peak_rss_kib(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}
/* Nearest rank of quantile q in a sorted sample of n (as raftlab's bench computes it). */
static inline size_t rank_index(double q, size_t n) {
  size_t i = (size_t)(q * (double)n);
  if (i > 0 && (double)i == q * (double)n) --i;
  return i < n ? i : n - 1;
}
/* Prints "name":{min, median, p99, max, mean} in ms of a sample of simulated
 * nanoseconds. Sorts the array. */
static inline void print_distribution_ms(FILE *out, const char *name, int64_t *ns, size_t n) {
  if (n == 0) {
    fprintf(out, "\"%s\":{}", name);
    return;
  }
  qsort(ns, n, sizeof *ns, cmp_i64);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += (double)ns[i];
  fprintf(out, "\"%s\":{\"min\":%.3f,\"median\":%.3f,\"p99\":%.3f,\"max\":%.3f,\"mean\":%.3f}", name,
          (double)ns[0] / 1e6, (double)ns[rank_index(0.5, n)] / 1e6, (double)ns[rank_index(0.99, n)] / 1e6,
          (double)ns[n - 1] / 1e6, sum / (double)n / 1e6);
}

#endif
