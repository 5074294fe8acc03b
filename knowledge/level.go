package knowledge

import (
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Level is a probability in (0, 1]. Knowledge files may write it as a number or as one of the
// words below, which keeps the files readable for an operations engineer who does not think in
// decimals: "certain" means the signal is nearly always seen under the cause, "never" that seeing
// it all but rules the cause out.
type Level float64

// The named levels. They are spaced roughly a factor of three to ten apart so that one strong
// signal outweighs two weak ones.
var levelNames = []struct {
	name  string
	value Level
}{
	{"certain", 0.95},
	{"likely", 0.7},
	{"possible", 0.3},
	{"unlikely", 0.08},
	{"rare", 0.02},
	{"never", 0.002},
}

// DefaultLevel is the likelihood of a signal under a known cause its file does not mention.
const DefaultLevel Level = 0.02

// ParseLevel reads a level name or a number in (0, 1].
func ParseLevel(s string) (Level, error) {
	for _, l := range levelNames {
		if l.name == s {
			return l.value, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || f > 1 {
		return 0, fmt.Errorf("%q is not a likelihood: use a number in (0, 1] or one of certain, likely, possible, unlikely, rare, never", s)
	}
	return Level(f), nil
}

// UnmarshalYAML accepts a level name or a number.
func (l *Level) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseLevel(n.Value)
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// String gives the level's name when it has one, else the number.
func (l Level) String() string {
	for _, n := range levelNames {
		if n.value == l {
			return n.name
		}
	}
	return strconv.FormatFloat(float64(l), 'g', 3, 64)
}
