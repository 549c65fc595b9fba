package errcode

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
)

// registry is an immutable snapshot of every registered descriptor.
// Registration publishes a new snapshot, so lookups on the request path
// take no lock and never see a half-built map.
type registry struct {
	byCode  map[ErrorCode]ErrorDescriptor
	byValue map[string]ErrorDescriptor
	byGroup map[string][]ErrorDescriptor
	next    ErrorCode
}

var (
	current    atomic.Pointer[registry]
	registerMu sync.Mutex // serialises writers; readers use current
)

// firstCode is the integer given to the first registered code. It matches
// distribution's numbering so that codes print alike in debugging output.
const firstCode ErrorCode = 1000

func loadRegistry() *registry {
	if r := current.Load(); r != nil {
		return r
	}
	return &registry{}
}

// Register adds descriptor to group and returns its new ErrorCode. Codes are
// normally registered from package-level variable declarations. Registering
// a Value twice is a programming error and panics, as it does in
// distribution's errcode.
func Register(group string, descriptor ErrorDescriptor) ErrorCode {
	return register(group, descriptor)
}

func register(group string, descriptor ErrorDescriptor) ErrorCode {
	registerMu.Lock()
	defer registerMu.Unlock()

	old := loadRegistry()
	if _, dup := old.byValue[descriptor.Value]; dup {
		panic(fmt.Sprintf("errcode: error value %q is already registered", descriptor.Value))
	}
	next := &registry{
		byCode:  make(map[ErrorCode]ErrorDescriptor, len(old.byCode)+1),
		byValue: make(map[string]ErrorDescriptor, len(old.byValue)+1),
		byGroup: make(map[string][]ErrorDescriptor, len(old.byGroup)+1),
		next:    old.next,
	}
	if next.next == 0 {
		next.next = firstCode
	}
	for k, v := range old.byCode {
		next.byCode[k] = v
	}
	for k, v := range old.byValue {
		next.byValue[k] = v
	}
	for k, v := range old.byGroup {
		next.byGroup[k] = v[:len(v):len(v)] // appends below must copy
	}

	descriptor.Code = next.next
	next.next++
	next.byCode[descriptor.Code] = descriptor
	next.byValue[descriptor.Value] = descriptor
	next.byGroup[group] = append(next.byGroup[group], descriptor)

	current.Store(next)
	return descriptor.Code
}

// GetGroupNames returns the names of all groups that have registered codes,
// sorted.
func GetGroupNames() []string {
	r := loadRegistry()
	names := make([]string, 0, len(r.byGroup))
	for name := range r.byGroup {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// GetErrorCodeGroup returns the descriptors registered in the named group,
// sorted by Value. The slice is the caller's own.
func GetErrorCodeGroup(name string) []ErrorDescriptor {
	group := loadRegistry().byGroup[name]
	out := make([]ErrorDescriptor, len(group))
	copy(out, group)
	sortByValue(out)
	return out
}

// GetErrorAllDescriptors returns every registered descriptor of every group,
// sorted by Value. The slice is the caller's own.
func GetErrorAllDescriptors() []ErrorDescriptor {
	r := loadRegistry()
	out := make([]ErrorDescriptor, 0, len(r.byCode))
	for _, d := range r.byCode {
		out = append(out, d)
	}
	sortByValue(out)
	return out
}

func sortByValue(ds []ErrorDescriptor) {
	sort.Slice(ds, func(i, j int) bool { return ds[i].Value < ds[j].Value })
}
