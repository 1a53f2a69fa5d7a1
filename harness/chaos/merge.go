package chaos

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/fallbackgate/fallbackgate/harness"
)

// History is a chaos history to merge: its name in errors (a file name)
// and its text.
type History struct {
	Name string
	Data []byte
}

// MergeHistories writes to w the history of the whole run that the shard
// histories hs (each run with --shard K/N of one run, in any order) were
// cut from: the run line without its shard, every fleet change once, each
// shard's start-ups in start-up order (turn, then session), and each
// distinct shutdown line. Every shard draws the whole schedule, so the
// fleet changes must be the same in every shard. The merge of the shards
// of an in-process run is the whole run's history byte for byte.
//
// It refuses, naming the history, a line that does not parse, a history
// without a run line or ended by an interrupted one, shards of different
// runs (any run field but the shard differs), of different N, a shard
// missing or given twice, and shards whose schedules differ.
func MergeHistories(w io.Writer, hs []History) error {
	type shardHistory struct {
		name     string
		shard    harness.Shard
		run      RunInfo
		runLine  []byte
		fleet    [][]byte // fleet lines, in order
		fleetAt  []int64
		startups []startupAt
		shutdown [][]byte
	}
	var shards []shardHistory
	for _, h := range hs {
		sh := shardHistory{name: h.Name}
		sc := bufio.NewScanner(bytes.NewReader(h.Data))
		sc.Buffer(make([]byte, 0, 1<<16), 64<<20)
		haveRun := false
		for n := 1; sc.Scan(); n++ {
			line := bytes.TrimSpace(sc.Bytes())
			if len(line) == 0 {
				continue
			}
			var rec struct {
				Kind    string   `json:"kind"`
				At      int64    `json:"at_ns"`
				Run     *RunInfo `json:"run"`
				Startup *struct {
					ID      string `json:"id"`
					Session int    `json:"session"`
					Turn    int    `json:"turn"`
				} `json:"startup"`
			}
			if err := json.Unmarshal(line, &rec); err != nil {
				return fmt.Errorf("%s: line %d: not a history line: %v", h.Name, n, err)
			}
			line = bytes.Clone(line)
			switch rec.Kind {
			case HistoryRun:
				if haveRun || rec.Run == nil {
					return fmt.Errorf("%s: line %d: want one run line, first", h.Name, n)
				}
				haveRun = true
				sh.run, sh.runLine = *rec.Run, line
				s, err := harness.ParseShard("shard", rec.Run.Shard)
				if err != nil {
					return fmt.Errorf("%s: not the history of a shard (run with --shard K/N): run.%v", h.Name, err)
				}
				sh.shard = s
			case HistoryFleet:
				sh.fleet = append(sh.fleet, line)
				sh.fleetAt = append(sh.fleetAt, rec.At)
			case HistoryStartup:
				if rec.Startup == nil {
					return fmt.Errorf("%s: line %d: a start-up line without its start-up", h.Name, n)
				}
				sh.startups = append(sh.startups, startupAt{turn: rec.Startup.Turn, session: rec.Startup.Session, at: rec.At, line: line})
			case HistoryShutdown:
				sh.shutdown = append(sh.shutdown, line)
			case HistoryInterrupted:
				return fmt.Errorf("%s: line %d: the shard was interrupted; its history is incomplete", h.Name, n)
			default:
				return fmt.Errorf("%s: line %d: unknown kind %q", h.Name, n, rec.Kind)
			}
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("%s: %w", h.Name, err)
		}
		if !haveRun {
			return fmt.Errorf("%s: no run line", h.Name)
		}
		shards = append(shards, sh)
	}
	if len(shards) == 0 {
		return fmt.Errorf("no history to merge")
	}
	slices.SortStableFunc(shards, func(a, b shardHistory) int { return cmp.Compare(a.shard.K, b.shard.K) })
	first := shards[0]
	whole := first.run
	whole.Shard = ""
	n := first.shard.N
	for i, sh := range shards {
		run := sh.run
		run.Shard = ""
		switch {
		case sh.shard.N != n:
			return fmt.Errorf("%s is shard %s and %s shard %s: shards of one run share N", first.name, first.shard, sh.name, sh.shard)
		case i > 0 && sh.shard.K == shards[i-1].shard.K:
			return fmt.Errorf("shard %s twice: %s and %s", sh.shard, shards[i-1].name, sh.name)
		case run != whole:
			return fmt.Errorf("%s and %s are histories of different runs: %+v and %+v", first.name, sh.name, whole, run)
		case !slices.EqualFunc(sh.fleet, first.fleet, bytes.Equal):
			return fmt.Errorf("%s and %s drew different schedules (their fleet changes differ)", first.name, sh.name)
		}
	}
	var ks []int
	for _, sh := range shards {
		ks = append(ks, sh.shard.K)
	}
	if missing := missingShards(n, ks); len(missing) > 0 {
		return fmt.Errorf("shard(s) %s of %d missing", strings.Join(missing, ", "), n)
	}

	var startups []startupAt
	var shutdown [][]byte
	for _, sh := range shards {
		startups = append(startups, sh.startups...)
		for _, l := range sh.shutdown {
			if !slices.ContainsFunc(shutdown, func(s []byte) bool { return bytes.Equal(s, l) }) {
				shutdown = append(shutdown, l)
			}
		}
	}
	slices.SortStableFunc(startups, func(a, b startupAt) int {
		return cmp.Or(cmp.Compare(a.turn, b.turn), cmp.Compare(a.session, b.session))
	})
	bw := bufio.NewWriter(w)
	runLine, err := json.Marshal(HistoryRecord{Kind: HistoryRun, Run: &whole})
	if err != nil {
		return err
	}
	bw.Write(append(runLine, '\n'))
	f := 0
	for _, s := range startups {
		for ; f < len(first.fleet) && first.fleetAt[f] <= s.at; f++ {
			bw.Write(append(first.fleet[f], '\n'))
		}
		bw.Write(append(s.line, '\n'))
	}
	for ; f < len(first.fleet); f++ {
		bw.Write(append(first.fleet[f], '\n'))
	}
	for _, l := range shutdown {
		bw.Write(append(l, '\n'))
	}
	return bw.Flush()
}

// startupAt is a start-up line of a shard history and where it goes in
// the whole run's.
type startupAt struct {
	turn, session int
	at            int64
	line          []byte
}

// missingShards lists the shards K/n of K in 1…n that ks does not hold.
func missingShards(n int, ks []int) []string {
	have := map[int]bool{}
	for _, k := range ks {
		have[k] = true
	}
	var out []string
	for k := 1; k <= n; k++ {
		if !have[k] {
			out = append(out, fmt.Sprintf("%d/%d", k, n))
		}
	}
	return out
}
