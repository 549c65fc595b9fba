//go:build !unix

package dirstore

import "os"

// writeTagFile makes the tag file path name dgst, atomically: a regular
// file renamed into place, since symbolic links need privileges here.
func writeTagFile(path, dgst string) error {
	return writeFileAtomic(path, []byte(dgst))
}

// readTagFile returns the digest the tag file path names.
func readTagFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}
