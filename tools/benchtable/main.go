// Command benchtable reads go test -bench output on standard input and
// prints one Markdown table of the benchmarks that back the project's
// performance claims: the claim, the benchmark, how many runs, and the
// figures that matter for it as medians over the runs (-count). Claimed
// benchmarks missing from the input are listed as not run; benchmarks no
// claim names get a row with their median time.
//
//	go test -run '^$' -bench . -count 3 ./internal/planner/ | go run ./tools/benchtable
//
// It exits 1 when the input tells of a failure (a FAIL line, a panic) or
// holds no benchmark at all, after printing the table. The claims are in
// claims.go; docs/performance.md describes them.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	all := flag.Bool("all", true, "list every claim, those not in the input as \"not run\"; -all=false lists only what the input holds")
	flag.Usage = func() {
		// The usage goes to standard error; if that cannot be written
		// there is nowhere to say so.
		_, _ = fmt.Fprintf(flag.CommandLine.Output(), "usage: go test -bench ... | benchtable [-all=false]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	os.Exit(run(os.Stdin, os.Stdout, os.Stderr, *all))
}

// run prints the table of what r holds to stdout, failures to stderr, and
// returns the exit status.
func run(r io.Reader, stdout, stderr io.Writer, all bool) int {
	var msg strings.Builder
	status := report(r, stdout, &msg, all)
	if _, err := io.WriteString(stderr, msg.String()); err != nil && status == 0 {
		status = 2
	}
	return status
}

// report prints the table to stdout and what went wrong to msg.
func report(r io.Reader, stdout io.Writer, msg *strings.Builder, all bool) int {
	in, err := parse(r)
	if err != nil {
		fmt.Fprintf(msg, "benchtable: reading the input: %v\n", err)
		return 2
	}
	if err := write(stdout, rows(in, all)); err != nil {
		fmt.Fprintf(msg, "benchtable: %v\n", err)
		return 2
	}
	status := 0
	if len(in.failures) > 0 {
		fmt.Fprintf(msg, "benchtable: the input reports %d failure line(s):\n", len(in.failures))
		for i, l := range in.failures {
			if i == 20 {
				fmt.Fprintf(msg, "  ... and %d more\n", len(in.failures)-i)
				break
			}
			fmt.Fprintf(msg, "  %s\n", l)
		}
		status = 1
	}
	ran := false
	for _, res := range in.results {
		ran = ran || len(res.runs) > 0
	}
	if !ran {
		msg.WriteString("benchtable: no benchmark results in the input\n")
		status = 1
	}
	return status
}
