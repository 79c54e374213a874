package main

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// A result is every run of one benchmark in the input.
type result struct {
	pkg, name string
	runs      []map[string]float64 // unit -> value, one map per result line
	failed    bool                 // a --- FAIL line names it
	skipped   bool                 // a --- SKIP line names it
}

// input is what parse found.
type input struct {
	results  []*result // in the order they first appear
	byKey    map[string]*result
	failures []string          // the lines that tell of a failure: FAIL, --- FAIL, panic
	broken   map[string]string // package -> why none of its benchmarks ran: build failed
}

func key(pkg, name string) string { return pkg + " " + name }

// get is the result of pkg's benchmark name, added if new.
func (in *input) get(pkg, name string) *result {
	k := key(pkg, name)
	if r := in.byKey[k]; r != nil {
		return r
	}
	r := &result{pkg: pkg, name: name}
	in.byKey[k] = r
	in.results = append(in.results, r)
	return r
}

// parse reads go test -bench output: pkg: lines and benchmark lines
// ("BenchmarkName-N  iterations  value unit  value unit ..."), any number
// of runs of each. A benchmark whose name is printed and whose figures
// come on a later line (the benchmark wrote to stdout or stderr while it
// ran) is understood too. Everything else but failures is ignored.
func parse(r io.Reader) (*input, error) {
	in := &input{byKey: map[string]*result{}, broken: map[string]string{}}
	var pkg, pending string // pending: a benchmark printed, its figures not yet
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		line := sc.Text()
		t := strings.TrimSpace(line)
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg, pending = strings.TrimSpace(p), ""
			continue
		}
		f := strings.Fields(t)
		if len(f) > 0 && strings.HasPrefix(f[0], "Benchmark") {
			name := trimProcs(f[0])
			if run, ok := figures(f[1:]); ok {
				res := in.get(pkg, name)
				res.runs = append(res.runs, run)
				pending = ""
				continue
			}
			// The figures come later, or the benchmark failed: what
			// follows the name is the start of its output.
			pending = name
			t = strings.TrimSpace(strings.TrimPrefix(t, f[0]))
			f = f[1:]
		} else if pending != "" {
			if run, ok := figures(f); ok {
				res := in.get(pkg, pending)
				res.runs = append(res.runs, run)
				pending = ""
				continue
			}
		}
		if in.status(pkg, t, f, line) && pending != "" {
			// The benchmark that was running failed (it panicked, say).
			in.get(pkg, pending).failed = true
		}
	}
	return in, sc.Err()
}

// status notes a failure or a skip that the line t (trimmed, in fields
// f) tells of, and tells whether it was a failure.
func (in *input) status(pkg, t string, f []string, line string) bool {
	switch {
	case strings.HasPrefix(t, "--- FAIL:"):
		in.failures = append(in.failures, line)
		if len(f) > 2 {
			in.get(pkg, trimProcs(f[2])).failed = true
		}
		return true
	case strings.HasPrefix(t, "--- SKIP:"):
		if len(f) > 2 {
			in.get(pkg, trimProcs(f[2])).skipped = true
		}
	case t == "FAIL", strings.HasPrefix(t, "FAIL\t"), strings.HasPrefix(t, "FAIL "),
		strings.HasPrefix(t, "panic:"), strings.HasPrefix(t, "fatal error:"):
		in.failures = append(in.failures, line)
		// FAIL	github.com/aksupgrade/aksupgrade/internal/backtest [build failed]
		if len(f) > 2 && f[0] == "FAIL" && strings.HasPrefix(f[2], "[") {
			in.broken[f[1]] = strings.Trim(strings.Join(f[2:], " "), "[]")
		}
		return true
	}
	return false
}

// figures reads "iterations value unit value unit ...".
func figures(f []string) (map[string]float64, bool) {
	if len(f) < 3 || len(f)%2 != 1 {
		return nil, false
	}
	if _, err := strconv.ParseUint(f[0], 10, 64); err != nil {
		return nil, false
	}
	run := map[string]float64{}
	for i := 1; i < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return nil, false
		}
		run[f[i+1]] = v
	}
	return run, true
}

// trimProcs drops the -GOMAXPROCS suffix go test adds to a benchmark's
// name (BenchmarkPlan/clusters=1000-8).
func trimProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 || i == len(name)-1 {
		return name
	}
	for _, c := range name[i+1:] {
		if c < '0' || c > '9' {
			return name
		}
	}
	return name[:i]
}
