package fakes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"go.yaml.in/yaml/v3"
)

// ParsePlanFile reads a plan file: a YAML mapping from provider name to
// plan, e.g. `xai-oauth: "2*ok -> missing"`, and returns the providers in
// file order. An error names the file, the line, the provider and, for a
// malformed plan, the position in the plan.
func ParsePlanFile(name string, data []byte) ([]Provider, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: no providers: want a mapping of provider to plan", name)
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: want a mapping of provider to plan", name, m.Line)
	}
	var ps []Provider
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode || checkName(k.Value) != nil {
			return nil, fmt.Errorf("%s:%d: %q is not a provider name", name, k.Line, k.Value)
		}
		if seen[k.Value] {
			return nil, fmt.Errorf("%s:%d: provider %q is listed twice", name, k.Line, k.Value)
		}
		seen[k.Value] = true
		if v.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("%s:%d: provider %q: the plan must be a string", name, v.Line, k.Value)
		}
		p, err := Parse(v.Value)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: provider %q: %w", name, v.Line, k.Value, err)
		}
		ps = append(ps, Provider{Name: k.Value, Plan: p})
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("%s: no providers: want a mapping of provider to plan", name)
	}
	return ps, nil
}

// Serve runs the fakes of a plan file for a person: it serves them on
// 127.0.0.1 on a free port, prints the seed and each provider's base URL
// and plan to stdout, blocks until ctx is done, then closes the fleet and
// prints the ledger as a table. planFile names data in errors. Everything
// it prints passes through Redact: a ledger quotes what a client sent.
func Serve(ctx context.Context, planFile string, data []byte, stdout io.Writer) error {
	stdout = redactingWriter{stdout}
	providers, err := ParsePlanFile(planFile, data)
	if err != nil {
		return err
	}
	seed := time.Now().UnixNano()
	f, err := NewFleet(Config{Providers: providers, Seed: seed})
	if err != nil {
		return fmt.Errorf("%s: %w", planFile, err)
	}
	srv, err := f.ServeLoopback("")
	if err != nil {
		return errors.Join(err, f.Close())
	}
	fmt.Fprintf(stdout, "fakes from %s on %s (seed %d); stop with Ctrl-C\n", planFile, srv.URL(), seed)
	for _, p := range providers {
		fmt.Fprintf(stdout, "  %-16s %s  plan: %s\n", p.Name, srv.BaseURL(p.Name), p.Plan)
	}
	<-ctx.Done()
	cerr := f.Close()
	var ledger bytes.Buffer
	fmt.Fprintf(&ledger, "\nledger (%d calls):\n", f.Ledger().Len())
	werr := f.Ledger().WriteTable(&ledger)
	if serr := f.Err(); serr != nil {
		fmt.Fprintf(&ledger, "\nrequests that reached no fake:\n%v\n", serr)
	}
	_, err = stdout.Write(ledger.Bytes())
	return errors.Join(werr, err, cerr)
}

// redactingWriter passes each write through Redact; a caller writes whole
// lines or blocks at once.
type redactingWriter struct{ w io.Writer }

func (r redactingWriter) Write(p []byte) (int, error) {
	if _, err := r.w.Write(RedactBytes(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}
