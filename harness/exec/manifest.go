package exec

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// ErrNotImplemented is returned, wrapped, by [Manifest.Surface] for a surface
// the manifest declares no argv for. Reports show such a surface as "not
// implemented" rather than as a failure.
var ErrNotImplemented = errors.New("surface not implemented")

// Manifest describes a subject: how to start each of its surfaces and which
// contract profile it claims (PROTOCOL.md "Subject manifest"). It is loaded
// with [LoadManifest] or built in Go, e.g. for the built-in reference subject.
type Manifest struct {
	// Name is shown in reports.
	Name string
	// Profile is the contract profile the subject claims; "" means strict.
	Profile string
	// Timeout bounds each case; zero means DefaultTimeout.
	Timeout time.Duration
	// Capabilities are the optional extras the subject implements.
	Capabilities []string
	// Surfaces maps a surface name to the argv that starts it. A missing
	// surface is not implemented.
	Surfaces map[string][]string
	// Env is added to the environment of every process.
	Env map[string]string
	// PassEnv names the variables of the harness's own environment a
	// subject gets: a name, or a prefix ending in "*". No other variable
	// of the harness reaches a subject (see Surface).
	PassEnv []string
	// Dir is the working directory of the subject's processes; "" means the
	// harness's. LoadManifest sets it to the manifest's folder.
	Dir string
	// Path is the file the manifest was loaded from; "" when built in Go.
	Path string
}

// CaseTimeout returns the per-case timeout: Timeout, or DefaultTimeout when
// it is zero.
func (m *Manifest) CaseTimeout() time.Duration {
	if m.Timeout > 0 {
		return m.Timeout
	}
	return harness.DefaultTimeout
}

// Implements reports whether the manifest declares an argv for the surface.
func (m *Manifest) Implements(surface string) bool {
	return len(m.Surfaces[surface]) > 0
}

// source names the manifest in errors.
func (m *Manifest) source() string {
	if m.Path != "" {
		return m.Path
	}
	if m.Name != "" {
		return "manifest " + m.Name
	}
	return "manifest"
}

// LoadManifest reads and validates the subject manifest at path. Relative
// paths in argv are resolved against the manifest's folder (see
// [ParseManifest]), and the subject's processes run in that folder. Errors
// name the file, the line, the key and the offending value, e.g.
//
//	subject.yaml:4: surfaces.gatway: unknown surface (known: oneshot, gateway, cli)
func LoadManifest(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("subject manifest: %w", err)
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ParseManifest(path, dir, data)
}

// ParseManifest parses a manifest document. path names it in errors; dir is
// the folder relative argv elements are resolved against and the subject's
// working directory.
//
// An argv element is resolved against dir when it is a path: the first
// element (the program) only when it contains a slash, so that "python3" is
// still looked up in PATH; any other element when it starts with "./" or
// "../", or when a file of that name exists in dir ("adapter.py",
// "lib/run.js"). Absolute paths, flags ("-x", "--opt=a/b") and URLs are
// never touched.
//
// Unknown keys, a missing or empty "surfaces", an unknown surface name, an
// empty argv, a timeout that is not a positive duration, an unknown profile
// and a protocol version the harness does not know are rejected.
func ParseManifest(path, dir string, data []byte) (*Manifest, error) {
	p := manifestParser{path: path}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: not valid YAML: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: a manifest is a mapping with at least the key \"surfaces\"", path)
	}
	m := &Manifest{Path: path, Dir: dir}
	root := doc.Content[0]
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		key := k.Value
		if seen[key] {
			p.fail(k, key, "defined twice")
			continue
		}
		seen[key] = true
		switch key {
		case "protocol":
			if s, ok := p.str(v, key); ok {
				if err := harness.CheckProtocol("", s); err != nil {
					p.fail(v, key, strings.TrimPrefix(err.Error(), ": "))
				}
			}
		case "name":
			m.Name, _ = p.str(v, key)
		case "profile":
			if s, ok := p.str(v, key); ok {
				if _, err := resolver.ProfileByName(s); err != nil {
					p.fail(v, key, err.Error())
				}
				m.Profile = s
			}
		case "timeout":
			if s, ok := p.str(v, key); ok {
				d, err := time.ParseDuration(s)
				switch {
				case err != nil:
					p.fail(v, key, fmt.Sprintf("%q is not a duration (e.g. 10s, 500ms)", s))
				case d <= 0:
					p.fail(v, key, fmt.Sprintf("%q must be positive", s))
				default:
					m.Timeout = d
				}
			}
		case "capabilities":
			m.Capabilities = p.strings(v, key)
		case "surfaces":
			m.Surfaces = p.surfaces(v, dir)
		case "env":
			m.Env = p.env(v)
		case "pass_env":
			m.PassEnv = p.passEnv(v)
		default:
			p.fail(k, key, "unknown key (known: protocol, name, profile, timeout, capabilities, surfaces, env, pass_env)")
		}
	}
	if !seen["surfaces"] {
		p.errs = append(p.errs, fmt.Sprintf("%s: surfaces: missing (the argv of at least one of %s)", path, strings.Join(harness.Surfaces, ", ")))
	}
	if len(p.errs) > 0 {
		return nil, errors.New(strings.Join(p.errs, "\n"))
	}
	if m.Name == "" {
		m.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	return m, nil
}

type manifestParser struct {
	path string
	errs []string
}

func (p *manifestParser) fail(n *yaml.Node, key, problem string) {
	p.errs = append(p.errs, fmt.Sprintf("%s:%d: %s: %s", p.path, n.Line, key, problem))
}

func (p *manifestParser) str(n *yaml.Node, key string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.fail(n, key, fmt.Sprintf("want a string, got %s", describeNode(n)))
		return "", false
	}
	return n.Value, true
}

func (p *manifestParser) strings(n *yaml.Node, key string) []string {
	if n.Kind != yaml.SequenceNode {
		p.fail(n, key, fmt.Sprintf("want a list of strings, got %s", describeNode(n)))
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, e := range n.Content {
		if s, ok := p.str(e, fmt.Sprintf("%s[%d]", key, i)); ok {
			out = append(out, s)
		}
	}
	return out
}

func (p *manifestParser) surfaces(n *yaml.Node, dir string) map[string][]string {
	if n.Kind != yaml.MappingNode {
		p.fail(n, "surfaces", fmt.Sprintf("want a mapping of surface to argv, got %s", describeNode(n)))
		return nil
	}
	if len(n.Content) == 0 {
		p.fail(n, "surfaces", "empty (the argv of at least one of "+strings.Join(harness.Surfaces, ", ")+")")
		return nil
	}
	out := map[string][]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := "surfaces." + k.Value
		if !slices.Contains(harness.Surfaces, k.Value) {
			p.fail(k, key, "unknown surface (known: "+strings.Join(harness.Surfaces, ", ")+")")
			continue
		}
		if _, dup := out[k.Value]; dup {
			p.fail(k, key, "defined twice")
			continue
		}
		argv := p.strings(v, key)
		if v.Kind == yaml.SequenceNode && len(v.Content) == 0 {
			p.fail(v, key, "empty argv (want e.g. [python3, adapter.py, "+k.Value+"])")
			continue
		}
		if len(argv) > 0 && argv[0] == "" {
			p.fail(v, key+"[0]", "empty program name")
			continue
		}
		out[k.Value] = resolveArgv(dir, argv)
	}
	return out
}

func (p *manifestParser) env(n *yaml.Node) map[string]string {
	if n.Kind != yaml.MappingNode {
		p.fail(n, "env", fmt.Sprintf("want a mapping of variable to value, got %s", describeNode(n)))
		return nil
	}
	out := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := "env." + k.Value
		if k.Value == "" || strings.ContainsAny(k.Value, "=\x00") {
			p.fail(k, key, fmt.Sprintf("%q is not a variable name", k.Value))
			continue
		}
		if why := harnessSets(k.Value); why != "" {
			p.fail(k, key, why)
			continue
		}
		if s, ok := p.str(v, key); ok {
			out[k.Value] = s
		}
	}
	return out
}

// passEnv reads pass_env: variable names, or prefixes ending in "*".
func (p *manifestParser) passEnv(n *yaml.Node) []string {
	names := p.strings(n, "pass_env")
	var out []string
	for i, name := range names {
		key := fmt.Sprintf("pass_env[%d]", i)
		base := strings.TrimSuffix(name, "*")
		switch {
		case base == "":
			p.fail(n.Content[i], key, fmt.Sprintf("%q would pass the whole environment (name the variables, or a prefix such as PYTHON*)", name))
		case strings.ContainsAny(base, "=*\x00 "):
			p.fail(n.Content[i], key, fmt.Sprintf("%q is not a variable name or a prefix ending in *", name))
		case harnessSets(base) != "" && !strings.HasSuffix(name, "*"):
			p.fail(n.Content[i], key, harnessSets(base))
		default:
			out = append(out, name)
		}
	}
	return out
}

// harnessSets says why the manifest may not set the variable name: the
// harness sets it for every subject; "" when it may.
func harnessSets(name string) string {
	switch {
	case strings.HasPrefix(name, "FALLBACKGATE_"):
		return "the FALLBACKGATE_ variables are set by the harness"
	case name == "HOME" || name == "TMPDIR":
		return name + " is set by the harness (a folder inside the case)"
	case slices.Contains(proxyVars, name):
		return name + " is set by the harness (isolation: PROTOCOL.md)"
	}
	return ""
}

// passes reports whether pass_env names the variable name.
func (m *Manifest) passes(name string) bool {
	for _, p := range m.PassEnv {
		if base, prefix := strings.CutSuffix(p, "*"); prefix && strings.HasPrefix(name, base) || p == name {
			return harnessSets(name) == ""
		}
	}
	return false
}

func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	if n.Tag == "!!null" {
		return "nothing"
	}
	return fmt.Sprintf("%q", n.Value)
}

// resolveArgv returns argv with its path elements made absolute against dir
// (see ParseManifest).
func resolveArgv(dir string, argv []string) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = resolveArg(dir, a, i == 0)
	}
	return out
}

func resolveArg(dir, a string, program bool) string {
	switch {
	case dir == "", a == "", filepath.IsAbs(a), strings.HasPrefix(a, "-"), strings.Contains(a, "://"):
		return a
	case program:
		if strings.Contains(a, "/") {
			return filepath.Join(dir, a)
		}
		return a
	case strings.HasPrefix(a, "./"), strings.HasPrefix(a, "../"):
		return filepath.Join(dir, a)
	}
	if _, err := os.Stat(filepath.Join(dir, a)); err == nil {
		return filepath.Join(dir, a)
	}
	return a
}

// Surface returns the exec surface that starts name ("oneshot", "gateway" or
// "cli") with the manifest's argv. It reports an error wrapping
// ErrNotImplemented when the manifest declares no argv for name. The caller
// must call Close on the result: for the gateway it stops the long-lived
// process.
func (m *Manifest) Surface(name string, opts ...Option) (*Surface, error) {
	if !slices.Contains(harness.Surfaces, name) {
		return nil, fmt.Errorf("%s: surface %q: unknown surface (known: %s)", m.source(), name, strings.Join(harness.Surfaces, ", "))
	}
	argv := m.Surfaces[name]
	if len(argv) == 0 {
		return nil, fmt.Errorf("%s: surfaces.%s: %w", m.source(), name, ErrNotImplemented)
	}
	if argv[0] == "" {
		return nil, fmt.Errorf("%s: surfaces.%s[0]: empty program name", m.source(), name)
	}
	cfg := execConfig{captureLimit: DefaultCaptureLimit, grace: DefaultCloseGrace}
	for _, o := range opts {
		o(&cfg)
	}
	return &Surface{name: name, argv: slices.Clone(argv), m: m, cfg: cfg}, nil
}
