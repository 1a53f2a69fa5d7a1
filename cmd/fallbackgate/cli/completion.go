package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

func completionCmd(_ context.Context, s Streams, args []string) error {
	fs := newFlags("completion", "completion bash|zsh|fish", `
Prints a shell completion script for fallbackgate: its commands, each
command's flags, and the values of --surface, --profile, --scenario and
--subject-path, file names for the flags that take a file. Load it with

  bash:  source <(fallbackgate completion bash)       (or save it under /etc/bash_completion.d/)
  zsh:   fallbackgate completion zsh > "${fpath[1]}/_fallbackgate"
  fish:  fallbackgate completion fish > ~/.config/fish/completions/fallbackgate.fish`, s)
	if err := parse(fs, args, s); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("completion: want one shell (bash, zsh or fish), got %q", fs.Args())
	}
	cmds, err := completionCommands()
	if err != nil {
		return &HarnessError{Err: err}
	}
	switch fs.Arg(0) {
	case "bash":
		writeBashCompletion(s.Stdout, cmds)
	case "zsh":
		writeZshCompletion(s.Stdout, cmds)
	case "fish":
		writeFishCompletion(s.Stdout, cmds)
	default:
		return usagef("completion: unknown shell %q (want bash, zsh or fish)", fs.Arg(0))
	}
	return nil
}

// compCommand is a command as a completion script offers it.
type compCommand struct {
	name, summary string
	flags         []compFlag
	// args are the words it takes after its flags (subject's surfaces,
	// report's subcommands, completion's shells).
	args []string
}

// compFlag is one flag of a command: takes says it needs a value.
type compFlag struct {
	name, usage string
	takes       bool
}

// flagLine is a line of flag.PrintDefaults: "  -name value" or "  -v\tusage".
var flagLine = regexp.MustCompile(`^  -([A-Za-z0-9][A-Za-z0-9-]*)(?: (\S+))?(?:\t(.*))?$`)

// completionCommands reads every command's flags from its --help text,
// the same text the help golden files pin.
func completionCommands() ([]compCommand, error) {
	var out []compCommand
	for _, c := range commands() {
		args := []string{c.name, "--help"}
		if c.name == "fakes" {
			args = []string{"fakes", "serve", "--help"}
		}
		var help bytes.Buffer
		if err := dispatch(context.Background(), args, Streams{Stdin: strings.NewReader(""), Stdout: &help, Stderr: io.Discard}); err != nil && !isHelp(err) {
			return nil, fmt.Errorf("completion: %s --help: %w", c.name, err)
		}
		cc := compCommand{name: c.name, summary: c.summary}
		lines := strings.Split(help.String(), "\n")
		for i, l := range lines {
			m := flagLine.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			f := compFlag{name: m[1], takes: m[2] != "", usage: m[3]}
			if f.usage == "" && i+1 < len(lines) {
				f.usage = strings.TrimSpace(lines[i+1])
			}
			cc.flags = append(cc.flags, f)
		}
		switch c.name {
		case "subject":
			cc.args = harness.Surfaces
		case "report":
			cc.args = []string{"diff", "html", "merge"}
		case "fakes":
			cc.args = []string{"serve"}
		case "replay":
			cc.args = scenarios.Incidents() // or an incident file: the shells complete files by default
		case "completion":
			cc.args = []string{"bash", "zsh", "fish"}
		}
		out = append(out, cc)
	}
	return out, nil
}

func isHelp(err error) bool { return errors.Is(err, flag.ErrHelp) }

// flagValues are the values a flag takes, by flag name; fileFlags and
// dirFlags take a file or a folder.
func flagValues() map[string][]string {
	var ids, profiles []string
	for _, sc := range scenarios.All() {
		ids = append(ids, sc.ID)
	}
	for _, p := range resolver.Profiles() {
		profiles = append(profiles, p.Name)
	}
	return map[string][]string{
		"surface":      harness.Surfaces,
		"profile":      profiles,
		"scenario":     ids,
		"subject-path": {pathExec, pathInProcess, pathBoth},
	}
}

var (
	fileFlags = []string{"subject", "scenario-file", "expect", "write-expect", "junit", "json", "markdown", "html", "history", "plan", "o"}
	dirFlags  = []string{"report-dir", "save", "regressions", "incidents"}
)

func writeBashCompletion(w io.Writer, cmds []compCommand) {
	var names []string
	for _, c := range cmds {
		names = append(names, c.name)
	}
	fmt.Fprintf(w, `# bash completion for fallbackgate: source <(fallbackgate completion bash)
_fallbackgate() {
    local cur prev cmd
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    cmd="${COMP_WORDS[1]}"
    if [[ $COMP_CWORD -eq 1 ]]; then
        COMPREPLY=( $(compgen -W "%s help" -- "$cur") )
        return
    fi
    case "$prev" in
`, strings.Join(names, " "))
	values := flagValues()
	for _, k := range slices.Sorted(maps.Keys(values)) {
		fmt.Fprintf(w, "        %s) COMPREPLY=( $(compgen -W %q -- \"$cur\") ); return ;;\n", bashAlternatives([]string{k}), strings.Join(values[k], " "))
	}
	fmt.Fprintf(w, "        %s) COMPREPLY=( $(compgen -f -- \"$cur\") ); return ;;\n", bashAlternatives(fileFlags))
	fmt.Fprintf(w, "        %s) COMPREPLY=( $(compgen -d -- \"$cur\") ); return ;;\n", bashAlternatives(dirFlags))
	fmt.Fprint(w, "    esac\n    case \"$cmd\" in\n")
	for _, c := range cmds {
		var words []string
		for _, f := range c.flags {
			words = append(words, "--"+f.name)
		}
		words = append(words, c.args...)
		fmt.Fprintf(w, "        %s) COMPREPLY=( $(compgen -W %q -- \"$cur\") ) ;;\n", c.name, strings.Join(words, " "))
	}
	fmt.Fprint(w, "    esac\n}\ncomplete -o default -F _fallbackgate fallbackgate\n")
}

// bashAlternatives is a case pattern matching each flag with one dash or
// two: -subject|--subject|...
func bashAlternatives(flags []string) string {
	var alts []string
	for _, f := range flags {
		alts = append(alts, "-"+f, "--"+f)
	}
	return strings.Join(alts, "|")
}

func writeZshCompletion(w io.Writer, cmds []compCommand) {
	fmt.Fprint(w, "#compdef fallbackgate\n# zsh completion for fallbackgate: fallbackgate completion zsh > \"${fpath[1]}/_fallbackgate\"\n_fallbackgate() {\n  local -a commands\n  commands=(\n")
	for _, c := range cmds {
		fmt.Fprintf(w, "    %s\n", zshQuote(c.name+":"+c.summary))
	}
	fmt.Fprint(w, "  )\n  if (( CURRENT == 2 )); then\n    _describe -t commands command commands\n    return\n  fi\n  local cmd=$words[2]\n  shift words\n  (( CURRENT-- ))\n  case $cmd in\n")
	values := flagValues()
	for _, c := range cmds {
		fmt.Fprintf(w, "    %s)\n      _arguments -s \\\n", c.name)
		for _, f := range c.flags {
			spec := "--" + f.name + "[" + zshEscape(f.usage) + "]"
			switch {
			case values[f.name] != nil:
				spec += ":" + f.name + ":(" + strings.Join(values[f.name], " ") + ")"
			case slices.Contains(fileFlags, f.name):
				spec += ":file:_files"
			case slices.Contains(dirFlags, f.name):
				spec += ":folder:_files -/"
			case f.takes:
				spec += ":" + f.name + ": "
			}
			fmt.Fprintf(w, "        %s \\\n", zshQuote(spec))
		}
		if len(c.args) > 0 {
			fmt.Fprintf(w, "        %s \\\n", zshQuote("*:argument:("+strings.Join(c.args, " ")+")"))
		} else {
			fmt.Fprintf(w, "        %s \\\n", zshQuote("*:file:_files"))
		}
		fmt.Fprint(w, "        && return 0\n      ;;\n")
	}
	fmt.Fprint(w, "  esac\n}\nif [[ $zsh_eval_context[-1] == loadautofunc ]]; then\n  _fallbackgate \"$@\"\nelse\n  compdef _fallbackgate fallbackgate\nfi\n")
}

// zshEscape escapes what _arguments reads in a description.
var zshEscape = strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`, ":", `\:`, "`", "'").Replace

// zshQuote single-quotes s for zsh.
func zshQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func writeFishCompletion(w io.Writer, cmds []compCommand) {
	fmt.Fprint(w, "# fish completion for fallbackgate: fallbackgate completion fish > ~/.config/fish/completions/fallbackgate.fish\ncomplete -c fallbackgate -f\n")
	var names []string
	for _, c := range cmds {
		names = append(names, c.name)
		fmt.Fprintf(w, "complete -c fallbackgate -n __fish_use_subcommand -a %s -d %s\n", c.name, fishQuote(c.summary))
	}
	values := flagValues()
	for _, c := range cmds {
		cond := fishQuote("__fish_seen_subcommand_from " + c.name)
		for _, f := range c.flags {
			extra := ""
			switch {
			case values[f.name] != nil:
				extra = " -xa " + fishQuote(strings.Join(values[f.name], " "))
			case slices.Contains(fileFlags, f.name), slices.Contains(dirFlags, f.name):
				extra = " -rF"
			case f.takes:
				extra = " -x"
			}
			fmt.Fprintf(w, "complete -c fallbackgate -n %s -l %s -d %s%s\n", cond, f.name, fishQuote(f.usage), extra)
		}
		if len(c.args) > 0 {
			fmt.Fprintf(w, "complete -c fallbackgate -n %s -a %s\n", cond, fishQuote(strings.Join(c.args, " ")))
		}
	}
}

// fishQuote single-quotes s for fish.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}
