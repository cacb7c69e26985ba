package profile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// LoadOrCreateKeyFile reads keys from path, one "id:hexsecret" per line,
// the signing key first; if the file does not exist it creates one with a
// new random 32-byte key (mode 0600). Rotate by adding a line at the top;
// remove the old line once MaxAge has passed.
func LoadOrCreateKeyFile(path string) ([]Key, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		var secret [32]byte
		if _, err := rand.Read(secret[:]); err != nil {
			return nil, err
		}
		line := "k" + time.Now().UTC().Format("20060102") + ":" + hex.EncodeToString(secret[:]) + "\n"
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(line), 0o600); err != nil {
			return nil, err
		}
		data = []byte(line)
	} else if err != nil {
		return nil, err
	}
	var lines []string
	for l := range strings.SplitSeq(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("profile: %s holds no key", path)
	}
	return ParseKeys(strings.Join(lines, ","))
}
