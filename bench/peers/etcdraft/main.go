// bench/peers/etcdraft — the etcd raft peer (Debian golang-etcd-server-dev 3.4,
// go.etcd.io/etcd/raft): a cluster of RawNodes with MemoryStorage and in-memory message
// delivery through this harness's own event queue, driven through the workloads of
// docs/benchmarks.md, printing one JSON object like `raftlab bench --json`.
//
//	etcdraft W1 [-seeds N] [-voters N]
//	etcdraft W2|W3 [-entries N] [-voters N]
//
// Built offline in GOPATH mode (scripts/bench_peers.sh):
//
//	GO111MODULE=off GOPROXY=off GOPATH=<dir>:/usr/share/gocode go build
//
// Settings (identical workload definitions): one tick = 100 ms of simulated time,
// HeartbeatTick 1, ElectionTick 10 (etcd raft randomizes it in [10, 20) itself), pre-vote
// off, CheckQuorum on (as etcd's server sets it), one-way latency 1 ms (a message leaves when its Ready is handled and is stepped
// into the receiver 1 ms later), each node's ticker starts at a seeded random phase in
// (0, 100 ms] (as raftlab's members do). Persisting a Ready = appending to MemoryStorage,
// whose fsync takes 1 ms (-disk-latency-ms) when etcd would sync (raft.MustSync); the
// leader sends in parallel with its write, followers after it (etcd's raftNode). Quirk: etcd raft 3.4 draws its randomized election
// timeouts from a package-global rand seeded from the wall clock (raft.go, globalRand):
// there is no seed API, so its simulated times are not reproducible run to run (their
// distribution is).
//
// Stop rules (as raftlab's): W1 stops at the first event after which some node leads;
// W2/W3 count an entry in flight from its proposal until the leader applies it, and stop
// when every node has applied the last one. Run with GOMAXPROCS=1 for the one-core figure.
package main

import (
	"container/heap"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"syscall"
	"time"

	"go.etcd.io/etcd/raft"
	pb "go.etcd.io/etcd/raft/raftpb"
)

// ---- a logger that does nothing (etcd raft logs every role change at Info) ----
type quiet struct{}

func (quiet) Debug(...interface{})            {}
func (quiet) Debugf(string, ...interface{})   {}
func (quiet) Error(...interface{})            {}
func (quiet) Errorf(string, ...interface{})   {}
func (quiet) Info(...interface{})             {}
func (quiet) Infof(string, ...interface{})    {}
func (quiet) Warning(...interface{})          {}
func (quiet) Warningf(string, ...interface{}) {}
func (quiet) Fatal(v ...interface{})          { panic(fmt.Sprint(v...)) }
func (quiet) Fatalf(f string, v ...interface{}) {
	panic(fmt.Sprintf(f, v...))
}
func (quiet) Panic(v ...interface{})            { panic(fmt.Sprint(v...)) }
func (quiet) Panicf(f string, v ...interface{}) { panic(fmt.Sprintf(f, v...)) }

// ---- the event queue: (at, seq) order, like raftlab's ----
const (
	evTick = iota
	evDeliver
	evPersisted
)

type event struct {
	at   int64 // ns
	seq  uint64
	kind int
	node int
	msg  pb.Message
	rd   *raft.Ready // evPersisted: the Ready whose WAL write's fsync completed
}

type queue []*event

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q queue) Swap(i, j int)       { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x interface{}) { *q = append(*q, x.(*event)) }
func (q *queue) Pop() interface{} {
	old := *q
	n := len(old)
	e := old[n-1]
	old[n-1] = nil
	*q = old[:n-1]
	return e
}

const (
	tickNs    = int64(100 * time.Millisecond)
	latencyNs = int64(time.Millisecond)
)

// -disk-latency-ms: how long each WAL fsync takes (0: persisting is instant).
var diskLatencyNs = int64(time.Millisecond)

type cluster struct {
	nodes    []*raft.RawNode
	stores   []*raft.MemoryStorage
	applied  []uint64
	saving   []bool         // a Ready waits for its fsync: no new Ready meanwhile
	prevHS   []pb.HardState // for raft.MustSync
	diskNs   int64
	q        queue
	seq      uint64
	now      int64
	events   uint64
	messages uint64
	leader   int // index of the node that last became leader, -1 if none
}

func newCluster(n int, seed uint64) *cluster {
	c := &cluster{leader: -1, diskNs: diskLatencyNs}
	rng := rand.New(rand.NewSource(int64(seed)))
	ids := make([]uint64, n)
	for i := range ids {
		ids[i] = uint64(i + 1)
	}
	for i := 0; i < n; i++ {
		st := raft.NewMemoryStorage()
		// A fresh cluster whose voters are known from the start (index 1, term 1),
		// the usual way to bootstrap RawNodes in memory.
		if err := st.ApplySnapshot(pb.Snapshot{Metadata: pb.SnapshotMetadata{
			Index: 1, Term: 1, ConfState: pb.ConfState{Voters: ids}}}); err != nil {
			panic(err)
		}
		rn, err := raft.NewRawNode(&raft.Config{
			ID:              ids[i],
			ElectionTick:    10,
			HeartbeatTick:   1,
			Storage:         st,
			MaxSizePerMsg:   1 << 20,
			MaxInflightMsgs: 512, // etcd server: 4096 / 8
			PreVote:         false,
			CheckQuorum:     true, // as etcd's server configures its raft node
			Logger:          quiet{},
		})
		if err != nil {
			panic(err)
		}
		c.nodes = append(c.nodes, rn)
		c.stores = append(c.stores, st)
		c.applied = append(c.applied, 1)
		c.saving = append(c.saving, false)
		c.prevHS = append(c.prevHS, pb.HardState{})
		// Each node's ticker starts at a seeded phase in (0, 100 ms].
		c.push(&event{at: 1 + rng.Int63n(tickNs), kind: evTick, node: i})
	}
	return c
}

func (c *cluster) push(e *event) {
	e.seq = c.seq
	c.seq++
	heap.Push(&c.q, e)
}

// handle carries out the Ready contract as etcd's raftNode does: write the WAL (entries
// and hard state), a leader sends at once (in parallel with its write), the fsync takes
// the disk latency when the write must be synced (raft.MustSync), then a follower sends,
// entries are applied and the Ready is acknowledged. One write in flight per node.
func (c *cluster) handle(i int) {
	rn := c.nodes[i]
	for !c.saving[i] && rn.HasReady() {
		rd := rn.Ready()
		if rd.SoftState != nil && rd.SoftState.RaftState == raft.StateLeader {
			c.leader = i
		}
		leader := rn.BasicStatus().RaftState == raft.StateLeader
		st := c.stores[i]
		if !raft.IsEmptySnap(rd.Snapshot) {
			_ = st.ApplySnapshot(rd.Snapshot)
		}
		if !raft.IsEmptyHardState(rd.HardState) {
			_ = st.SetHardState(rd.HardState)
		}
		if len(rd.Entries) > 0 {
			_ = st.Append(rd.Entries)
		}
		if leader {
			c.send(rd.Messages)
			rd.Messages = nil
		}
		sync := raft.MustSync(rd.HardState, c.prevHS[i], len(rd.Entries))
		if !raft.IsEmptyHardState(rd.HardState) {
			c.prevHS[i] = rd.HardState
		}
		if sync && c.diskNs > 0 {
			c.saving[i] = true
			r := rd
			c.push(&event{at: c.now + c.diskNs, kind: evPersisted, node: i, rd: &r})
			return
		}
		c.finish(i, &rd)
	}
}

func (c *cluster) send(ms []pb.Message) {
	for _, m := range ms {
		c.messages++
		c.push(&event{at: c.now + latencyNs, kind: evDeliver, node: int(m.To - 1), msg: m})
	}
}

// finish: after the write is durable, send (followers), apply, acknowledge.
func (c *cluster) finish(i int, rd *raft.Ready) {
	c.send(rd.Messages)
	for _, e := range rd.CommittedEntries {
		c.applied[i] = e.Index
	}
	c.nodes[i].Advance(*rd)
}

// step fires the next event; false when the queue is empty or the next event is past limit.
func (c *cluster) step(limit int64) bool {
	if len(c.q) == 0 || c.q[0].at > limit {
		return false
	}
	e := heap.Pop(&c.q).(*event)
	c.now = e.at
	c.events++
	switch e.kind {
	case evTick:
		c.nodes[e.node].Tick()
		c.push(&event{at: c.now + tickNs, kind: evTick, node: e.node})
	case evDeliver:
		_ = c.nodes[e.node].Step(e.msg)
	case evPersisted:
		c.saving[e.node] = false
		c.finish(e.node, e.rd)
	}
	c.handle(e.node)
	return true
}

const limitNs = int64(60 * time.Second)

func (c *cluster) runToFirstLeader() bool {
	for c.now < limitNs {
		if !c.step(limitNs) {
			return false
		}
		if c.leader >= 0 && c.nodes[c.leader].BasicStatus().RaftState == raft.StateLeader {
			return true
		}
	}
	return false
}

func (c *cluster) leaders() int {
	n := 0
	for _, rn := range c.nodes {
		if rn.BasicStatus().RaftState == raft.StateLeader {
			n++
		}
	}
	return n
}

// ---- measurements ----
type clock struct {
	wall time.Time
	cpu  float64
}

func cpuNow() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
func start() clock { return clock{time.Now(), cpuNow()} }
func (c clock) elapsed() (wall, cpu float64) {
	return time.Since(c.wall).Seconds(), cpuNow() - c.cpu
}
func peakRSSKiB() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Maxrss
}

func distribution(ns []int64) map[string]float64 {
	d := map[string]float64{}
	if len(ns) == 0 {
		return d
	}
	sort.Slice(ns, func(a, b int) bool { return ns[a] < ns[b] })
	rank := func(q float64) int64 {
		i := int(q * float64(len(ns)))
		if i > 0 && float64(i) == q*float64(len(ns)) {
			i--
		}
		if i >= len(ns) {
			i = len(ns) - 1
		}
		return ns[i]
	}
	var sum float64
	for _, v := range ns {
		sum += float64(v)
	}
	d["min"] = float64(ns[0]) / 1e6
	d["median"] = float64(rank(0.5)) / 1e6
	d["p99"] = float64(rank(0.99)) / 1e6
	d["max"] = float64(ns[len(ns)-1]) / 1e6
	d["mean"] = sum / float64(len(ns)) / 1e6
	return d
}

func w1(voters int, seeds, firstSeed uint64) (map[string]interface{}, bool) {
	sim := make([]int64, 0, seeds)
	var events, messages, oneLeader uint64
	clk := start()
	for s := uint64(0); s < seeds; s++ {
		c := newCluster(voters, firstSeed+s)
		if c.runToFirstLeader() {
			sim = append(sim, c.now)
			if c.leaders() == 1 {
				oneLeader++
			}
		}
		events += c.events
		messages += c.messages
	}
	wall, cpu := clk.elapsed()
	out := map[string]interface{}{
		"seeds": seeds, "wall_s": wall, "cpu_s": cpu,
		"runs_per_s": float64(seeds) / wall, "runs_per_cpu_s": float64(seeds) / cpu,
		"events": events, "events_per_s": float64(events) / wall,
		"messages": messages, "messages_per_s": float64(messages) / wall,
		"seeds_with_exactly_one_leader": oneLeader,
		"seeds_without_leader":          seeds - uint64(len(sim)),
		"sim_time_to_leader_ms":         distribution(sim),
	}
	return out, oneLeader == seeds
}

func repl(voters int, entries uint64, batch, window int, seed uint64) (map[string]interface{}, bool) {
	c := newCluster(voters, seed)
	if !c.runToFirstLeader() {
		return map[string]interface{}{"error": "no leader"}, false
	}
	li := c.leader
	leader := c.nodes[li]
	// Warm-up (not measured): the new leader's empty entry applied everywhere.
	for k := 0; k < 1000000; k++ {
		last, _ := c.stores[li].LastIndex()
		all := true
		for _, a := range c.applied {
			all = all && a >= last
		}
		if all {
			break
		}
		if !c.step(c.now + limitNs) {
			break
		}
	}
	base := c.applied[li]
	var issued uint64
	events0, msgs0, t0 := c.events, c.messages, c.now
	errText := ""
	// In flight: proposed and not yet applied by the leader.
	payload := func(v uint64) []byte {
		b := make([]byte, 8)
		binary.LittleEndian.PutUint64(b, v)
		return b
	}
	limit := t0 + int64(entries)*int64(6*time.Second) + limitNs
	clk := start()
	for c.applied[li]-base < entries && errText == "" {
		for issued < entries {
			inflight := issued - (c.applied[li] - base)
			n := uint64(batch)
			if entries-issued < n {
				n = entries - issued
			}
			if inflight+n > uint64(window) {
				break
			}
			if batch == 1 {
				if err := leader.Propose(payload(issued)); err != nil {
					errText = "propose: " + err.Error()
					break
				}
			} else {
				// etcd raft's batched proposal: one MsgProp carrying the batch.
				ents := make([]pb.Entry, n)
				for k := range ents {
					ents[k].Data = payload(issued + uint64(k))
				}
				if err := leader.Step(pb.Message{Type: pb.MsgProp, From: uint64(li + 1), Entries: ents}); err != nil {
					errText = "propose: " + err.Error()
					break
				}
			}
			issued += n
			c.handle(li)
		}
		if !c.step(limit) {
			errText = "timed out"
		}
		if c.leader != li {
			errText = "the leader changed"
		}
	}
	target := base + entries
	for errText == "" {
		all := true
		for _, a := range c.applied {
			all = all && a >= target
		}
		if all {
			break
		}
		if !c.step(limit) {
			errText = "timed out"
		}
	}
	wall, cpu := clk.elapsed()
	minApplied := ^uint64(0)
	withAll := 0
	for _, a := range c.applied {
		if a-base < minApplied {
			minApplied = a - base
		}
		if a == target {
			withAll++
		}
	}
	ev, ms := c.events-events0, c.messages-msgs0
	out := map[string]interface{}{
		"batch": batch, "max_in_flight": window, "entries": entries,
		"entries_applied_on_all_members": minApplied, "members_with_all_entries": withAll, "failed": 0,
		"wall_s": wall, "cpu_s": cpu,
		"entries_per_s": float64(entries) / wall, "entries_per_cpu_s": float64(entries) / cpu,
		"events": ev, "events_per_s": float64(ev) / wall,
		"messages": ms, "messages_per_s": float64(ms) / wall,
		"sim_time_s": float64(c.now-t0) / 1e9,
	}
	ok := errText == "" && withAll == voters
	if errText != "" {
		out["error"] = errText
	}
	return out, ok
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: etcdraft W1|W2|W3 [-seeds N] [-voters N] [-entries N] [-first-seed N]")
		os.Exit(2)
	}
	w := os.Args[1]
	fs := flag.NewFlagSet("etcdraft", flag.ContinueOnError)
	seeds := fs.Uint64("seeds", 10000, "W1 runs")
	voters := fs.Int("voters", 5, "cluster size")
	entries := fs.Uint64("entries", 100000, "W2/W3 entries")
	firstSeed := fs.Uint64("first-seed", 1, "first seed")
	diskMs := fs.Int64("disk-latency-ms", 1, "WAL fsync latency in ms (0 = instant)")
	if err := fs.Parse(os.Args[2:]); err != nil {
		os.Exit(2)
	}
	if *diskMs < 0 || *diskMs > 1000 {
		fmt.Fprintln(os.Stderr, "etcdraft: -disk-latency-ms must be 0..1000")
		os.Exit(2)
	}
	diskLatencyNs = *diskMs * int64(time.Millisecond)
	if *voters < 1 || *voters > 1000 {
		fmt.Fprintln(os.Stderr, "etcdraft: -voters must be 1..1000")
		os.Exit(2)
	}
	var out map[string]interface{}
	var ok bool
	switch w {
	case "W1":
		out, ok = w1(*voters, *seeds, *firstSeed)
	case "W2":
		out, ok = repl(*voters, *entries, 1, 1, *firstSeed)
	case "W3":
		out, ok = repl(*voters, *entries, 100, 1000, *firstSeed)
	default:
		fmt.Fprintln(os.Stderr, "etcdraft: unknown workload", w)
		os.Exit(2)
	}
	out["engine"] = "etcd-raft"
	out["workload"] = w
	out["voters"] = *voters
	out["disk_latency_ms"] = *diskMs
	out["peak_rss_kib"] = peakRSSKiB()
	out["ok"] = ok
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
	if !ok {
		os.Exit(3)
	}
}
