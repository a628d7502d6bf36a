# The two commands a newcomer needs: `make demo` and `make test`.
# Both install missing Debian packages, configure a Release build in build/ and build.
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
# No "make[1]: Entering directory ..." lines from the sub-makes cmake --build runs.
MAKEFLAGS += --no-print-directory

.PHONY: all deps configure build demo test asan bench bench-peers pgo report fidelity planted-bugs fuzz-long fuzz-parsers figure16 quorum-table experiments clean

all: build

deps:
	@./scripts/deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@./scripts/demo.sh $(BUILD)/tools/raftlab

# After the suite, a short libFuzzer run of the parsers (10 s each, 50 s in all; builds
# build-fuzz/ with clang the first time): skipped, saying why, when no suitable clang is
# installed (scripts/deps.sh fuzz installs one). FUZZ_SMOKE=0 leaves it out.
FUZZ_SMOKE ?= 1
test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@if [ "$(FUZZ_SMOKE)" = 1 ]; then FUZZ_SECONDS=10 JOBS=$(JOBS) ./scripts/fuzz_parsers.sh --smoke; \
	 else echo "fuzz-parsers: short run left out (FUZZ_SMOKE=$(FUZZ_SMOKE))"; fi

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.
asan:
	@$(MAKE) test BUILD=build-asan FUZZ_SMOKE=0 CMAKE_FLAGS="-DRAFTLAB_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRAFTLAB_BENCH=OFF"

bench: build
	@./scripts/bench.sh $(BUILD)

# raftlab against canonical raft, etcd raft, real etcd and a bare event loop:
# installs the peers' Debian packages if missing, ~12 min once installed (5 repetitions, and the PGO build); writes results/BENCHMARKS.md.
bench-peers:
	@./scripts/bench_peers.sh $(BUILD)

# The fastest raftlab binary, for long seed sweeps: GCC profile-guided and link-time
# optimisation, trained on the demo, the shipped scenarios and the bench workloads, checked
# against the golden trace hashes (scripts/pgo_build.sh; ~4 min on 2 cores). Result:
# build-pgo/tools/raftlab.
pgo: deps
	@./scripts/pgo_build.sh build-pgo

# results/SCENARIOS.md: every shipped scenario's verdict and trace hash.
report: build
	@./scripts/scenario_report.sh $(BUILD)/tools/raftlab

# results/FIDELITY.md: every bootstrap/membership scenario in simulation vs real etcd (raftlab diff).
fidelity: build
	@./scripts/fidelity.sh $(BUILD)/tools/raftlab

# results/PLANTED_BUGS.md: seeds to detection of every planted bug (reference scenario,
# PB_REF_SEEDS per bug; the detection test's scenario, PB_DETECT_SEEDS; its large-value
# scenario, PB_LV_SEEDS; its Figure 8 scenario with leader-targeted faults, PB_FIG8_SEEDS),
# the correct code over the same seeds, shrunk failures. About 10 min on 2 idle cores.
PB_REF_SEEDS ?= 60
PB_DETECT_SEEDS ?= 1000
PB_LV_SEEDS ?= 2000
PB_FIG8_SEEDS ?= 2000
PB_STALE_SEEDS ?= 1000
planted-bugs: build
	@./scripts/planted_bugs.sh $(BUILD)/tools/raftlab results/PLANTED_BUGS.md \
	  scenarios/lab/reference.json:$(PB_REF_SEEDS) tests/lab/data/detect.json:$(PB_DETECT_SEEDS) \
	  tests/lab/data/detect-large-values.json:$(PB_LV_SEEDS) tests/lab/data/detect-fig8.json:$(PB_FIG8_SEEDS) \
	  tests/lab/data/detect-stale-read.json:$(PB_STALE_SEEDS)

# A long sweep of the correct code (100,000 seeds of the reference scenario), sharded with
# GNU parallel and merged; failures under fuzz-sweep/failures/. LONG_SEEDS to change.
# Passing seeds carry the 64-bit trace fingerprint (--hash fp64: no JSONL/SHA-256 for them,
# ~17% less CPU per seed); failures keep their SHA-256 for replay.
LONG_SEEDS ?= 100000
fuzz-long: build
	@RAFTLAB=$(BUILD)/tools/raftlab ./scripts/fuzz-parallel.sh scenarios/lab/reference.json $(LONG_SEEDS) $$(( $(JOBS) * 4 )) fuzz-sweep -- --hash fp64

# libFuzzer harnesses of the parsers (fuzz/README.md): scenario loader, docker/shell,
# etcd flags, etcdctl, failure files; FUZZ_SECONDS each (default 60), one at a time.
# Installs clang 16 if missing (scripts/deps.sh fuzz); builds build-fuzz/; findings in
# build-fuzz/findings/. Results of the long runs: results/RELIABILITY.md.
FUZZ_SECONDS ?= 60
fuzz-parsers:
	@./scripts/deps.sh fuzz
	@FUZZ_SECONDS=$(FUZZ_SECONDS) JOBS=$(JOBS) ./scripts/fuzz_parsers.sh

# results/FIGURE16.md + results/figure16-{top,bottom}.svg: the Raft paper's Figure 16 (leader
# crash, time to a new leader, 11 election-timeout ranges, FIG16_TRIALS per range in
# FIG16_BLOCKS blocks of seeds) beside the paper's own trials (docs/experiments.md). ~20 s.
FIG16_TRIALS ?= 1000
FIG16_BLOCKS ?= 5
figure16: build
	@$(BUILD)/tools/raftlab figure16 --trials $(FIG16_TRIALS) --blocks $(FIG16_BLOCKS)

# results/QUORUM.md + results/quorum.svg, quorum-leader.svg: every subset of lost members and
# each host of the 5-member / 2-host layout x 3 fault timings x QUORUM_SEEDS seeds, every run
# judged by every checker (docs/experiments.md). ~2 min on one core.
# The ASG rows (groups of 3 and 5, scenarios/aws-asg discovery deployment): QUORUM_ASG_SEEDS
# seeds per case and timing, ~2 min more.
QUORUM_SEEDS ?= 50
QUORUM_ASG_SEEDS ?= 10
quorum-table: build
	@$(BUILD)/tools/raftlab quorum-table scenarios/lab/quorum-2host.json --seeds $(QUORUM_SEEDS) --asg-seeds $(QUORUM_ASG_SEEDS)

# results/EXPERIMENTS.md + results/experiments/*: every shipped chaos experiment
# (scenarios/experiments/*.json, `raftlab experiment`) over EXP_SEEDS seeds (docs/experiments.md).
EXP_SEEDS ?= 200
experiments: build
	@EXP_SEEDS=$(EXP_SEEDS) JOBS=$(JOBS) ./scripts/experiments_report.sh $(BUILD)/tools/raftlab

clean:
	rm -rf build build-asan build-fuzz
