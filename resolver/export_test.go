package resolver

// UnmarshalJSONSlow is Entry.UnmarshalJSON through the parser only, for
// FuzzEntryUnmarshalJSON.
func UnmarshalJSONSlow(e *Entry, data []byte) error { return e.unmarshalJSONSlow(data) }
