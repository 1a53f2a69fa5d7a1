package resolver

import (
	"bytes"
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// jsonDocument decodes JSON into the same kind of YAML node tree that
// parseDocument gives, keeping the order of keys, for JSON that the YAML
// parser rejects. Positions are the 1-based line and column of each value.
func jsonDocument(data []byte) (*yaml.Node, error) {
	if !json.Valid(data) {
		return nil, errors.New("not valid JSON")
	}
	d := jsonDecoder{dec: json.NewDecoder(bytes.NewReader(data)), data: data}
	d.dec.UseNumber()
	for i, b := range data {
		if b == '\n' {
			d.lines = append(d.lines, i+1)
		}
	}
	n, err := d.value()
	if err != nil {
		return nil, err
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}, nil
	}
	return n, nil
}

type jsonDecoder struct {
	dec   *json.Decoder
	data  []byte
	lines []int // offsets at which lines 2, 3, ... start
}

// pos returns the line and column of the next token.
func (d *jsonDecoder) pos() (line, col int) {
	off := int(d.dec.InputOffset())
	for off < len(d.data) && strings.IndexByte(" \t\r\n,:", d.data[off]) >= 0 {
		off++
	}
	i := sort.SearchInts(d.lines, off+1)
	start := 0
	if i > 0 {
		start = d.lines[i-1]
	}
	return i + 1, off - start + 1
}

func (d *jsonDecoder) value() (*yaml.Node, error) {
	line, col := d.pos()
	tok, err := d.dec.Token()
	if err != nil {
		return nil, err
	}
	n := &yaml.Node{Kind: yaml.ScalarNode, Line: line, Column: col}
	switch t := tok.(type) {
	case json.Delim:
		n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
		if t == '{' {
			n.Kind, n.Tag = yaml.MappingNode, "!!map"
		}
		for d.dec.More() {
			if n.Kind == yaml.MappingNode {
				kl, kc := d.pos()
				k, err := d.dec.Token()
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k.(string), Line: kl, Column: kc})
			}
			v, err := d.value()
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, v)
		}
		if _, err := d.dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
	case string:
		n.Tag, n.Value = "!!str", t
	case json.Number:
		n.Tag, n.Value = "!!float", t.String()
		if _, err := t.Int64(); err == nil {
			n.Tag = "!!int"
		}
	case bool:
		n.Tag, n.Value = "!!bool", "false"
		if t {
			n.Value = "true"
		}
	case nil:
		n.Tag, n.Value = "!!null", "null"
	}
	return n, nil
}
