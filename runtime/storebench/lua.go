package storebench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/luastd"
	"github.com/luahost/luahost/runtime"
)

// A Lua client walks round a table of random key indexes, drawn before
// the clock starts, so that choosing a key costs a table read, as in a
// script's loop over its keys, not a call to math.random. The table holds
// orderPerKey draws per key (so that nearly every key is drawn: all but
// e^-4, about 2%), at least orderMin and at most orderMax.
const (
	orderMin    = 1 << 16
	orderMax    = 1 << 22
	orderPerKey = 4
)

// orderLen is the length of the table of key indexes for keys keys.
func orderLen(keys int) int {
	return min(max(orderPerKey*keys, orderMin), orderMax)
}

// luaBodies are the Lua statements of one call of each operation; k is
// the data key, i its index in keys and ctrs, %OP% the operation's number in the phase.
var luaBodies = map[Op]string{
	OpSet:  `local ok, err = s:set(k, value) if not ok then fail(%OP%, err) end`,
	OpGet:  `local v, err = s:get(k) if v == nil then fail(%OP%, err) end`,
	OpIncr: `local v, err = s:incr(ctrs[i]) if v == nil then fail(%OP%, err) end`,
	OpPutIfVersion: `local e, err = s:entry(k)
		if e == nil then fail(%OP%, err) else
			local r, perr = s:put(k, value, {if_version = e.version})
			if r == nil then
				if is(perr, CONFLICT) then conflicts[%OP%] = conflicts[%OP%] + 1 else fail(%OP%, perr) end
			end
		end`,
	OpList: `local p, err = s:list({prefix = prefix, after = k, limit = limit}) if p == nil then fail(%OP%, err) end`,
}

// luaChunk returns the source of a chunk that acquires the store and
// returns the batch function: batch(n) makes n calls. With byPosition,
// keys[j] names the key at position j of the walk and order is unused.
func luaChunk(mix []Weight, byPosition bool) string {
	var b strings.Builder
	b.WriteString(`local store = require("store")
local id, m, keys, ctrs, order, opcodes, value, prefix, limit, errs, conflicts, first, counts = ...
local s, serr = store.get(id)
if s == nil then error(tostring(serr), 0) end
local is, CONFLICT = errors.is, errors.CONFLICT
local j = 1
local function fail(c, err)
	errs[c] = errs[c] + 1
	if first[c] == nil then first[c] = tostring(err) end
end
return function(n)
	for _ = 1, n do
`)
	if byPosition {
		b.WriteString("\t\tlocal i = j\n")
	} else {
		b.WriteString("\t\tlocal i = order[j]\n")
	}
	b.WriteString("\t\tlocal k = keys[i]\n")
	body := func(n int, op Op) string {
		return strings.ReplaceAll(luaBodies[op], "%OP%", strconv.Itoa(n))
	}
	if len(mix) == 1 {
		b.WriteString("\t\t" + body(1, mix[0].Op) + "\n")
	} else {
		b.WriteString("\t\tlocal c = opcodes[j]\n\t\tcounts[c] = counts[c] + 1\n")
		for n, w := range mix {
			kw := "elseif"
			if n == 0 {
				kw = "if"
			}
			fmt.Fprintf(&b, "\t\t%s c == %d then\n\t\t\t%s\n", kw, n+1, body(n+1, w.Op))
		}
		b.WriteString("\t\tend\n")
	}
	b.WriteString("\t\tj = j % m + 1\n\tend\nend\n")
	return b.String()
}

// luaClient runs one client as a Lua state of rt. It calls prepared once
// its state holds the store handle and its tables, then waits for ready
// before the first timed batch.
func (t *target) luaClient(ctx context.Context, rt *runtime.Runtime, ph *phaseRun, cl *client, prepared func(), ready <-chan struct{}) error {
	isPrepared := false
	defer func() {
		if !isPrepared {
			prepared()
		}
	}()
	mix := ph.spec.mix
	return rt.Do(ctx, func(L *lua.LState) error {
		rng := rand.New(rand.NewPCG(uint64(cl.n)+1, 0x6c7561))
		var totalWeight int
		for _, w := range mix {
			totalWeight += w.Weight
		}
		nkeys := t.cfg.Keys
		walk := orderLen(nkeys)
		// The walk: the number of the key at each position and, in a
		// mix, the operation (0-based); a key, then an operation, per
		// position, so that a client's seed always gives the same walk.
		draws := make([]uint32, walk)
		var opAt []uint8
		if len(mix) > 1 {
			opAt = make([]uint8, walk)
		}
		for j := range walk {
			draws[j] = uint32(rng.IntN(nkeys))
			if len(mix) > 1 {
				r, c := rng.IntN(totalWeight), 0
				for r >= mix[c].Weight {
					r -= mix[c].Weight
					c++
				}
				opAt[j] = uint8(c)
			}
		}
		var attempted int64 // calls begun, for what cleanup deletes
		defer func() { t.luaCalled(mix, draws, opAt, attempted) }()

		// keys[i] (and ctrs[i]) name key i when there are no more keys
		// than positions; beyond, a table of every key would grow with
		// Config.Keys, so they name the key at position i of the walk.
		incr := slices.ContainsFunc(mix, func(w Weight) bool { return w.Op == OpIncr })
		data := slices.ContainsFunc(mix, func(w Weight) bool { return w.Op != OpIncr })
		dense := nkeys <= walk
		slots := walk
		if dense {
			slots = nkeys
		}
		names := newKeyNamer(t.cfg.Prefix, nkeys)
		keys, ctrs := L.CreateTable(0, 0), L.CreateTable(0, 0)
		if data {
			keys = L.CreateTable(slots, 0)
		}
		if incr {
			ctrs = L.CreateTable(slots, 0)
		}
		for i := range slots {
			k := uint64(i)
			if !dense {
				k = uint64(draws[i])
			}
			if data {
				keys.RawSetInt(i+1, lua.LString(names.name(dataKind, k)))
			}
			if incr {
				ctrs.RawSetInt(i+1, lua.LString(names.name(counterKind, k)))
			}
		}
		order, opcodes := L.CreateTable(0, 0), L.CreateTable(0, 0)
		if dense {
			order = L.CreateTable(walk, 0)
		}
		if len(mix) > 1 {
			opcodes = L.CreateTable(walk, 0)
		}
		for j := range walk {
			if dense {
				order.RawSetInt(j+1, lua.LNumber(draws[j]+1))
			}
			if len(mix) > 1 {
				opcodes.RawSetInt(j+1, lua.LNumber(opAt[j]+1))
			}
		}
		zeros := func() *lua.LTable {
			tb := L.CreateTable(len(mix), 0)
			for c := range mix {
				tb.RawSetInt(c+1, lua.LNumber(0))
			}
			return tb
		}
		errs, conflicts, first, counts := zeros(), zeros(), L.NewTable(), zeros()

		fn, err := L.LoadString(luaChunk(mix, !dense))
		if err != nil {
			return fmt.Errorf("storebench: compile the Lua client: %w", err)
		}
		if err := pcall(L, fn, 1,
			lua.LString(t.id), lua.LNumber(walk), keys, ctrs, order, opcodes, lua.LString(t.raw),
			lua.LString(t.listFrom), lua.LNumber(t.cfg.ListLimit),
			errs, conflicts, first, counts); err != nil {
			return fmt.Errorf("%s: Lua client: %w", t.id, err)
		}
		batch, ok := L.Get(-1).(*lua.LFunction)
		L.Pop(1)
		if !ok {
			return errors.New("storebench: the Lua client returned no batch function")
		}

		isPrepared = true
		prepared()
		select {
		case <-ready:
		case <-ctx.Done():
			return nil
		}
		var made int64
		size := int64(t.cfg.LuaBatch)
		for cl.quota == 0 || made < cl.quota {
			n := size
			if cl.quota > 0 {
				n = min(n, cl.quota-made)
			}
			attempted = made + n
			start := time.Now()
			err := pcall(L, batch, 0, lua.LNumber(n))
			end := time.Now()
			if err != nil {
				if ctx.Err() != nil {
					return nil // the phase reports why it stopped
				}
				return fmt.Errorf("%s: Lua client: %w", t.id, err)
			}
			mean := end.Sub(start) / time.Duration(n)
			if cl.total != nil {
				cl.total.record(mean, n)
			} else {
				cl.stats[0].record(mean, n)
			}
			made += n
			cl.pub.ops.Store(made)
			cl.pub.errors.Store(sumTable(errs, len(mix)))
			if !ph.deadline.IsZero() && !end.Before(ph.deadline) {
				break
			}
		}
		for c, s := range cl.stats {
			if len(mix) == 1 {
				s.ops = made
			} else {
				s.ops = int64(lua.LVAsNumber(counts.RawGetInt(c + 1)))
			}
			s.errors = int64(lua.LVAsNumber(errs.RawGetInt(c + 1)))
			s.conflicts = int64(lua.LVAsNumber(conflicts.RawGetInt(c + 1)))
			if msg, ok := first.RawGetInt(c + 1).(lua.LString); ok {
				s.first = errors.New(string(msg))
			}
		}
		return nil
	})
}

// luaCalled records the keys a Lua client's first attempted calls may
// have written: the walk starts at its first position each phase and
// takes one step per call.
func (t *target) luaCalled(mix []Weight, draws []uint32, opAt []uint8, attempted int64) {
	for j := range min(attempted, int64(len(draws))) {
		op := mix[0].Op
		if opAt != nil {
			op = mix[opAt[j]].Op
		}
		t.called(op, uint64(draws[j]))
	}
}

func sumTable(tb *lua.LTable, n int) int64 {
	var sum int64
	for i := 1; i <= n; i++ {
		sum += int64(lua.LVAsNumber(tb.RawGetInt(i)))
	}
	return sum
}

// pcall calls fn with args, leaving nret results on L's stack, as the host
// runs scripts (luastd.PCall), so that an error reads as Lua 5.1's.
func pcall(L *lua.LState, fn lua.LValue, nret int, args ...lua.LValue) error {
	top := L.GetTop()
	L.Push(fn)
	for _, a := range args {
		L.Push(a)
	}
	err := luastd.PCall(L, len(args), nret, nil)
	if err != nil {
		L.SetTop(top)
	}
	return err
}
