// Package registry loads the host's configuration: typed entries read from
// YAML files, validated as a whole before anything starts.
//
// # Basics
//
// A registry file is either a mapping with the keys version (optional, only
// "1.0"), namespace (required) and entries (a sequence), or a bare sequence of
// entries whose namespace is "app". Each entry has a name, a kind, optional
// meta (a free mapping) and lifecycle block, and the fields its kind decodes
// (see [Kind] and [Fields]). Several files may share a namespace. As in
// Wippy, a mapping with namespace (and version) plus one entry's fields at
// the top level is a single-entry file.
//
// An entry's ID is "namespace:name". The exact rules, checked by [ValidID]:
//
//   - a name matches [a-z0-9_][a-z0-9_.-]* (lower-case letters, digits,
//     '_', '.', '-'; it does not start with '.' or '-');
//   - a namespace is one or more segments joined by single dots, each segment
//     matching [a-z0-9_][a-z0-9_-]* (no empty segment, no leading or trailing
//     dot);
//   - neither contains ':', so an ID has exactly one.
//
// A reference to another entry is either a full ID or a bare name, which
// means the referring entry's own namespace.
//
// Inside any scalar value (not keys), ${env:NAME} is replaced by the
// environment variable NAME and ${env:NAME:-default} by its value or, when it
// is unset, by default. NAME matches [A-Za-z_][A-Za-z0-9_]*. An unset variable
// without a default is a load error. Messages never show a value that came
// from the environment; they show the ${env:...} text instead. Durations are
// Go duration strings ("500ms", "5m", "1h30m"); 0 needs no unit. Byte sizes
// are a whole number of bytes or a number with a unit: KiB, MiB, GiB, TiB
// (powers of 1024) or KB, MB, GB, TB (powers of 1000), as in 268435456,
// 256MiB, 1.5GiB or 100MB.
//
// # Wippy's env registry
//
// ${env:ns:name}, with an entry ID, reads the env.variable entry of that ID
// (from its env.storage.* entry, else its default) instead of the OS
// environment, and makes the referring entry depend on the variable. The
// env entries of every file are loaded before the other entries. Wippy's
// older sibling directive <field>_env (an OS variable name or a variable
// ID) sets field the same way and adds a warning ([Registry.Warnings]).
// Wippy kinds luahost does not host (http.*, function.*, store.kv.raft,
// ...) are load errors that say so.
//
// YAML anchors, aliases and merge keys (<<: *defaults) may be used. A key
// given twice in one mapping is an error.
//
// Flow style ([ ] and { }) may be used anywhere. As in YAML 1.2, an item
// of a flow sequence with a ":" not followed by a space is one scalar:
// lifecycle: {requires: [app:db]} requires app:db, while [app: db] holds
// a mapping.
//
// # Kinds
//
// A kind is registered once per process, from the init function of the
// package that implements it, with [RegisterTyped]:
//
//	func init() {
//		registry.RegisterTyped(registry.TypedKind[Config]{
//			Name:   "store.memory",
//			Decode: decode, // func(*registry.Fields) Config
//			New:    build,  // func(Config, registry.Env) (registry.Component, error)
//		})
//	}
//
// Decode reads the kind's fields through [Fields]; the loader stores the
// Config it returns in [Entry].Config and the host passes it to New,
// which reaches the entries it refers to with [DepAs]. The
// config may offer capabilities, found by type assertion as database/sql
// finds a driver's: [Validator] (its Problems are reported at their fields
// after Decode, and [CheckConfig] gives Go callers of the kind's own
// constructor the same problems) and [Schemer] (the DDL its entries need,
// which luahost schema prints). A Go host that names a kind it never
// imported gets "unknown kind ... (forgotten import?)".
//
// [RegisterKind] takes the untyped [Kind] (Decode returns any, New takes
// any) of kinds not yet converted; converting one means writing
// TypedKind[C] for Kind, returning C from Decode and taking C in New,
// which drops New's type assertion.
//
// # Errors
//
// [Load] reports every problem it finds, not just the first, as an [*Error]
// whose problems are sorted by file and position. Each reads
// "file:line:col: namespace:name: message", for example:
//
//	app.yaml:6:15: app:cache: max_size: must not be negative, got -1
//	app.yaml:8:5: app:cache: unknown field "max_sise" (did you mean "max_size"?)
//	app.yaml:12:11: app:user: database: no entry app:postgress (did you mean app:postgres?)
//	app.yaml:3:3: app:a: dependency cycle: app:a -> app:b -> app:a
//	app.yaml:9:3: app:cache: duplicate ID, first defined at base.yaml:4:5
//
// Problems of a whole file (syntax errors, unknown top-level keys) have no
// entry ID. Fields of nested mappings are named with dots ("pool.max_open",
// "lifecycle.restart.jitter").
//
// A registry with any problem is not returned, so nothing of it starts.
//
// # Caveats
//
// Names and namespaces become part of IDs, which appear in messages, even
// when they came from the environment.
package registry
