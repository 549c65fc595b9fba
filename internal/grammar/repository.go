package grammar

// MaxRepositoryLength is the longest repository name, in bytes, that
// distribution accepts (reference.RepositoryNameTotalLengthMax).
const MaxRepositoryLength = 255

// IsRepository reports whether name is a repository name as the OCI
// distribution specification writes it: path components of lower-case
// alphanumerics joined by ".", "_", "__" or runs of "-", separated by "/",
// at most MaxRepositoryLength bytes in all. Unlike IsName, which follows
// the router's pattern, it admits no leading domain with upper case, port
// or IPv6 address: a registry stores repositories, not references.
func IsRepository(name string) bool {
	return len(name) <= MaxRepositoryLength && IsRemoteName(name)
}
