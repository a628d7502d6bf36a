/* bench/peers/canonical_raft.c — the canonical raft peer (Debian libraft-dev 0.15): its
 * in-memory deterministic fixture (raft/fixture.h) driven through the workloads of
 * docs/benchmarks.md, printing one JSON object like `raftlab bench --json`.
 *
 *   canonical_raft W1 [--seeds N] [--voters N] [--snapshot-threshold N]
 *   canonical_raft W2|W3 [--entries N] [--voters N] [--snapshot-threshold N]
 *
 * Settings (identical workload definitions): heartbeat 100 ms (the fixture ticks every
 * heartbeat), election timeout 1000 ms, each server's randomized election timeout drawn
 * from a seeded splitmix64 as 10..19 ticks (the fixture has no seed API: it returns
 * whatever raft_fixture_set_randomized_election_timeout set; it is redrawn whenever the
 * server's term changes, as etcd/raftlab re-randomize at every election), one-way
 * network latency 1 ms, disk latency 1 ms, pre-vote off. The fixture holds at most
 * RAFT_FIXTURE_MAX_SERVERS (8) servers.
 *
 * Quirks handled: the fixture struct is zeroed before raft_fixture_initialize; every
 * raft_fixture_step copies the leader's whole log to check Leader Append-Only, so its
 * cost grows with the log until a snapshot compacts it — hence --snapshot-threshold
 * (default: the library's 1024; the second configuration: 64).
 *
 * Stop rules (as raftlab's): W1 stops at the first step after which some server is in
 * leader state; W2/W3 count an entry in flight from raft_apply until its apply callback
 * on the leader, and stop when every server's last applied index reaches the last one.
 */
#include <raft.h>
#include <raft/fixture.h>

#include "common.h"

static long g_trailing = -1; /* --snapshot-trailing; -1 = the library's default (128) */

struct counter_fsm {
  uint64_t applied;
  uint64_t sum;
};

static int fsm_apply(struct raft_fsm *fsm, const struct raft_buffer *buf, void **result) {
  struct counter_fsm *c = fsm->data;
  uint64_t v = 0;
  if (buf->len >= 8) memcpy(&v, buf->base, 8);
  c->applied++;
  c->sum += v;
  *result = NULL;
  return 0;
}
static int fsm_snapshot(struct raft_fsm *fsm, struct raft_buffer *bufs[], unsigned *n_bufs) {
  struct counter_fsm *c = fsm->data;
  *bufs = raft_malloc(sizeof **bufs);
  if (*bufs == NULL) return RAFT_NOMEM;
  (*bufs)[0].len = sizeof *c;
  (*bufs)[0].base = raft_malloc(sizeof *c);
  if ((*bufs)[0].base == NULL) return RAFT_NOMEM;
  memcpy((*bufs)[0].base, c, sizeof *c);
  *n_bufs = 1;
  return 0;
}
static int fsm_restore(struct raft_fsm *fsm, struct raft_buffer *buf) {
  struct counter_fsm *c = fsm->data;
  if (buf->len == sizeof *c) memcpy(c, buf->base, sizeof *c);
  raft_free(buf->base);
  return 0;
}

struct cluster {
  struct raft_fixture f;
  struct raft_fsm fsms[RAFT_FIXTURE_MAX_SERVERS];
  struct counter_fsm data[RAFT_FIXTURE_MAX_SERVERS];
  raft_term drawn_at_term[RAFT_FIXTURE_MAX_SERVERS];
  uint64_t prng;
  unsigned n;
  uint64_t steps, network_events;
};

static void redraw_timeouts(struct cluster *c) {
  for (unsigned i = 0; i < c->n; ++i) {
    struct raft *r = raft_fixture_get(&c->f, i);
    if (c->drawn_at_term[i] == r->current_term + 1) continue;
    c->drawn_at_term[i] = r->current_term + 1;
    raft_fixture_set_randomized_election_timeout(&c->f, i, (unsigned)(1000 + 100 * uniform_below(&c->prng, 10)));
  }
}

static int cluster_init(struct cluster *c, unsigned n, uint64_t seed, unsigned snapshot_threshold) {
  memset(c, 0, sizeof *c); /* the fixture must be zeroed before raft_fixture_initialize */
  c->n = n;
  c->prng = seed;
  int rv = raft_fixture_initialize(&c->f);
  if (rv != 0) return rv;
  for (unsigned i = 0; i < n; ++i) {
    c->fsms[i].version = 1;
    c->fsms[i].data = &c->data[i];
    c->fsms[i].apply = fsm_apply;
    c->fsms[i].snapshot = fsm_snapshot;
    c->fsms[i].restore = fsm_restore;
    rv = raft_fixture_grow(&c->f, &c->fsms[i]);
    if (rv != 0) return rv;
  }
  for (unsigned i = 0; i < n; ++i) {
    struct raft *r = raft_fixture_get(&c->f, i);
    raft_set_heartbeat_timeout(r, 100);
    raft_set_election_timeout(r, 1000);
    raft_set_pre_vote(r, false);
    if (snapshot_threshold) raft_set_snapshot_threshold(r, snapshot_threshold);
    if (g_trailing >= 0) raft_set_snapshot_trailing(r, (unsigned)g_trailing);
    raft_fixture_set_network_latency(&c->f, i, 1);
    raft_fixture_set_disk_latency(&c->f, i, 1);
  }
  redraw_timeouts(c);
  struct raft_configuration conf;
  rv = raft_fixture_configuration(&c->f, n, &conf);
  if (rv != 0) return rv;
  rv = raft_fixture_bootstrap(&c->f, &conf);
  raft_configuration_close(&conf);
  if (rv != 0) return rv;
  return raft_fixture_start(&c->f);
}

static void step(struct cluster *c) {
  struct raft_fixture_event *e = raft_fixture_step(&c->f);
  c->steps++;
  if (e->type == RAFT_FIXTURE_NETWORK) c->network_events++;
  redraw_timeouts(c);
}

static int leader_index(struct cluster *c) {
  for (unsigned i = 0; i < c->n; ++i)
    if (raft_state(raft_fixture_get(&c->f, i)) == RAFT_LEADER) return (int)i;
  return -1;
}

static const raft_time kLimitMs = 60000;

static int run_to_first_leader(struct cluster *c) {
  while (raft_fixture_time(&c->f) < kLimitMs) {
    step(c);
    if (leader_index(c) >= 0) return 1;
  }
  return 0;
}

static void usage(void) {
  fprintf(stderr,
          "usage: canonical_raft W1|W2|W3 [--seeds N] [--voters N] [--entries N] [--first-seed N] "
          "[--snapshot-threshold N]\n");
  exit(2);
}

static int w1(unsigned voters, uint64_t seeds, uint64_t first_seed, unsigned threshold) {
  int64_t *sim = calloc(seeds ? seeds : 1, sizeof *sim);
  uint64_t events = 0, net = 0, with_leader = 0, one_leader = 0;
  double w0 = wall_now(), c0 = cpu_now();
  for (uint64_t s = 0; s < seeds; ++s) {
    struct cluster *c = malloc(sizeof *c);
    if (!c || cluster_init(c, voters, first_seed + s, threshold) != 0) {
      fprintf(stderr, "canonical_raft: fixture setup failed\n");
      return 3;
    }
    if (run_to_first_leader(c)) {
      int leaders = 0;
      for (unsigned i = 0; i < voters; ++i) leaders += raft_state(raft_fixture_get(&c->f, i)) == RAFT_LEADER;
      one_leader += leaders == 1;
      sim[with_leader++] = (int64_t)raft_fixture_time(&c->f) * 1000000;
    }
    events += c->steps;
    net += c->network_events;
    raft_fixture_close(&c->f);
    free(c);
  }
  double wall = wall_now() - w0, cpu = cpu_now() - c0;
  printf("{\"engine\":\"canonical-raft\",\"workload\":\"W1\",\"voters\":%u,\"snapshot_threshold\":%u,"
         "\"seeds\":%llu,\"wall_s\":%.6f,\"cpu_s\":%.6f,\"runs_per_s\":%.3f,\"runs_per_cpu_s\":%.3f,"
         "\"events\":%llu,\"events_per_s\":%.1f,\"messages\":%llu,\"messages_per_s\":%.1f,"
         "\"seeds_with_exactly_one_leader\":%llu,\"seeds_without_leader\":%llu,",
         voters, threshold ? threshold : 1024, (unsigned long long)seeds, wall, cpu, seeds / wall, seeds / cpu,
         (unsigned long long)events, events / wall, (unsigned long long)net, net / wall,
         (unsigned long long)one_leader, (unsigned long long)(seeds - with_leader));
  print_distribution_ms(stdout, "sim_time_to_leader_ms", sim, with_leader);
  printf(",\"peak_rss_kib\":%ld,\"ok\":%s}\n", peak_rss_kib(),
         one_leader == seeds ? "true" : "false");
  free(sim);
  return one_leader == seeds ? 0 : 3;
}

struct inflight {
  struct raft_apply req;
  int busy;
};
static uint64_t g_failed_applies;
static void apply_cb(struct raft_apply *req, int status, void *result) {
  (void)result;
  struct inflight *f = req->data;
  f->busy = 0;
  if (status != 0) g_failed_applies++;
}

static int repl(const char *name, unsigned voters, uint64_t entries, unsigned batch, unsigned window,
                uint64_t seed, unsigned threshold) {
  struct cluster *c = malloc(sizeof *c);
  if (!c || cluster_init(c, voters, seed, threshold) != 0) {
    fprintf(stderr, "canonical_raft: fixture setup failed\n");
    return 3;
  }
  if (!run_to_first_leader(c)) {
    fprintf(stderr, "canonical_raft: no leader\n");
    return 3;
  }
  /* Warm-up (not measured): the leader's first entry (its barrier) applied everywhere. */
  int li = leader_index(c);
  struct raft *leader = raft_fixture_get(&c->f, (unsigned)li);
  raft_index base = 0;
  for (int k = 0; k < 100000; ++k) {
    base = leader->last_stored;
    int all = 1;
    for (unsigned i = 0; i < voters; ++i) all &= raft_last_applied(raft_fixture_get(&c->f, i)) >= base;
    if (all && raft_last_applied(leader) == leader->last_stored) break;
    step(c);
  }
  /* window/batch requests of `batch` entries each may be in flight. */
  const unsigned slots = window / batch;
  struct inflight *fl = calloc(slots, sizeof *fl);
  struct raft_buffer *bufs = calloc(batch, sizeof *bufs);
  uint64_t issued = 0, done = 0;
  const uint64_t steps0 = c->steps, net0 = c->network_events;
  const raft_time t0 = raft_fixture_time(&c->f);
  const raft_time limit = (raft_time)(entries * 6000 + 60000);
  int error = 0;
  double w0 = wall_now(), c0 = cpu_now();
  while (done < entries && !error) {
    for (unsigned s = 0; s < slots && issued < entries; ++s) {
      if (fl[s].busy) continue;
      const unsigned n = (unsigned)(entries - issued < batch ? entries - issued : batch);
      for (unsigned k = 0; k < n; ++k) {
        const uint64_t v = issued + k;
        bufs[k].len = 8;
        bufs[k].base = raft_malloc(8);
        memcpy(bufs[k].base, &v, 8);
      }
      fl[s].busy = 1;
      fl[s].req.data = &fl[s];
      if (raft_apply(leader, &fl[s].req, bufs, n, apply_cb) != 0) {
        error = 1;
        break;
      }
      issued += n;
    }
    step(c);
    done = raft_last_applied(leader) - base; /* callbacks fire as the leader applies */
    if (raft_fixture_time(&c->f) - t0 > limit) error = 2;
    if (leader_index(c) != li) error = 3;
  }
  /* Every server applies the last entry. */
  const raft_index target = base + entries;
  for (int k = 0; !error; ++k) {
    int all = 1;
    for (unsigned i = 0; i < voters; ++i) all &= raft_last_applied(raft_fixture_get(&c->f, i)) >= target;
    if (all) break;
    if (raft_fixture_time(&c->f) - t0 > limit + 10000) error = 2;
    step(c);
  }
  double wall = wall_now() - w0, cpu = cpu_now() - c0;
  uint64_t min_applied = UINT64_MAX;
  unsigned with_all = 0;
  for (unsigned i = 0; i < voters; ++i) {
    uint64_t a = raft_last_applied(raft_fixture_get(&c->f, i)) - base;
    if (a < min_applied) min_applied = a;
    with_all += a == entries;
  }
  const uint64_t events = c->steps - steps0, net = c->network_events - net0;
  if (getenv("CANONICAL_RAFT_DEBUG"))
    fprintf(stderr, "trailing %u threshold %u; leader log: offset %llu, snapshot index %llu, slots %zu; fixture copy: offset %llu\n",
            leader->snapshot.trailing, leader->snapshot.threshold, (unsigned long long)leader->log.offset, (unsigned long long)leader->log.snapshot.last_index,
            leader->log.size, (unsigned long long)c->f.log.offset);
  const int ok = !error && with_all == voters && g_failed_applies == 0;
  printf("{\"engine\":\"canonical-raft\",\"workload\":\"%s\",\"voters\":%u,\"snapshot_threshold\":%u,"
         "\"batch\":%u,\"max_in_flight\":%u,\"entries\":%llu,\"entries_applied_on_all_members\":%llu,"
         "\"failed\":%llu,\"members_with_all_entries\":%u,\"wall_s\":%.6f,\"cpu_s\":%.6f,\"entries_per_s\":%.1f,"
         "\"entries_per_cpu_s\":%.1f,\"events\":%llu,\"events_per_s\":%.1f,\"messages\":%llu,"
         "\"messages_per_s\":%.1f,\"sim_time_s\":%.3f,\"peak_rss_kib\":%ld,\"ok\":%s%s}\n",
         name, voters, threshold ? threshold : 1024, batch, window, (unsigned long long)entries,
         (unsigned long long)min_applied, (unsigned long long)g_failed_applies, with_all, wall, cpu, entries / wall, entries / cpu,
         (unsigned long long)events, events / wall, (unsigned long long)net, net / wall,
         (double)(raft_fixture_time(&c->f) - t0) / 1000.0, peak_rss_kib(), ok ? "true" : "false",
         error == 3 ? ",\"error\":\"leader changed\"" : error == 2 ? ",\"error\":\"timed out\"" : error ? ",\"error\":\"raft_apply failed\"" : "");
  raft_fixture_close(&c->f);
  free(c);
  free(fl);
  free(bufs);
  return ok ? 0 : 3;
}

int main(int argc, char **argv) {
  if (argc < 2) usage();
  const char *w = argv[1];
  uint64_t seeds = 10000, entries = 100000, first_seed = 1;
  unsigned voters = 5, threshold = 0;
  for (int i = 2; i < argc; ++i) {
    if (i + 1 >= argc) usage();
    char *end = NULL;
    unsigned long long v = strtoull(argv[i + 1], &end, 10);
    if (*argv[i + 1] == '\0' || *end != '\0') usage();
    if (!strcmp(argv[i], "--seeds")) seeds = v;
    else if (!strcmp(argv[i], "--voters")) voters = (unsigned)v;
    else if (!strcmp(argv[i], "--entries")) entries = v;
    else if (!strcmp(argv[i], "--first-seed")) first_seed = v;
    else if (!strcmp(argv[i], "--snapshot-threshold")) threshold = (unsigned)v;
    else if (!strcmp(argv[i], "--snapshot-trailing")) g_trailing = (long)v;
    else usage();
    ++i;
  }
  if (voters < 1 || voters > RAFT_FIXTURE_MAX_SERVERS) {
    fprintf(stderr, "canonical_raft: --voters must be 1..%d (the fixture's RAFT_FIXTURE_MAX_SERVERS)\n",
            RAFT_FIXTURE_MAX_SERVERS);
    return 2;
  }
  if (!strcmp(w, "W1")) return w1(voters, seeds, first_seed, threshold);
  if (!strcmp(w, "W2")) return repl("W2", voters, entries, 1, 1, first_seed, threshold);
  if (!strcmp(w, "W3")) return repl("W3", voters, entries, 100, 1000, first_seed, threshold);
  usage();
  return 2;
}
