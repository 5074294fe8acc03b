package logs

import "time"

// Time stamps are parsed by hand: time.Parse allocates on some paths and is several times slower
// than reading fixed-width digits, and a log has one stamp per line. A stampCache skips even that
// when a line carries the same stamp text as the line before (most lines of a busy log do).
type stampCache struct {
	text [48]byte
	n    int
	t    time.Time
	ok   bool
}

// get returns the cached time if b is the stamp seen last.
func (c *stampCache) get(b []byte) (time.Time, bool, bool) {
	if c.n > 0 && len(b) == c.n && string(b) == string(c.text[:c.n]) {
		return c.t, c.ok, true
	}
	return time.Time{}, false, false
}

func (c *stampCache) put(b []byte, t time.Time, ok bool) {
	if len(b) > len(c.text) {
		c.n = 0
		return
	}
	c.n = copy(c.text[:], b)
	c.t, c.ok = t, ok
}

var months = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// month reads a three-letter English month name.
func month(b []byte) (time.Month, bool) {
	if len(b) < 3 {
		return 0, false
	}
	for i, m := range months {
		if b[0] == m[0] && b[1] == m[1] && b[2] == m[2] {
			return time.Month(i + 1), true
		}
	}
	return 0, false
}

// digits reads exactly n decimal digits at b[i:].
func digits(b []byte, i, n int) (int, bool) {
	if i < 0 || i+n > len(b) {
		return 0, false
	}
	v := 0
	for _, c := range b[i : i+n] {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// clockAt reads "HH:MM:SS" at b[i:].
func clockAt(b []byte, i int) (h, m, s int, ok bool) {
	if i+8 > len(b) || b[i+2] != ':' || b[i+5] != ':' {
		return 0, 0, 0, false
	}
	h, ok1 := digits(b, i, 2)
	m, ok2 := digits(b, i+3, 2)
	s, ok3 := digits(b, i+6, 2)
	return h, m, s, ok1 && ok2 && ok3
}

// fraction reads the digits after a '.' or ',' at b[i] as nanoseconds; n is how many bytes it used.
func fraction(b []byte, i int) (ns int, n int) {
	if i >= len(b) || (b[i] != '.' && b[i] != ',') {
		return 0, 0
	}
	j := i + 1
	scale := 100000000
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		ns += int(b[j]-'0') * scale
		scale /= 10
		j++
	}
	return ns, j - i
}

// parseApacheErrorTime reads "Sat Nov 21 09:20:02.894876 2026" (2.4) or "Mon Nov 21 10:00:00 2026"
// (2.2), in the server's local time, taken here as UTC.
func parseApacheErrorTime(b []byte) (time.Time, bool) {
	if len(b) < 24 || b[3] != ' ' || b[7] != ' ' {
		return time.Time{}, false
	}
	mon, ok := month(b[4:])
	if !ok {
		return time.Time{}, false
	}
	d0 := 8
	if b[8] == ' ' {
		d0 = 9
	}
	day, ok := digits(b, d0, 10-d0)
	if !ok || b[10] != ' ' {
		return time.Time{}, false
	}
	h, m, s, ok := clockAt(b, 11)
	if !ok {
		return time.Time{}, false
	}
	ns, n := fraction(b, 19)
	i := 19 + n
	if i >= len(b) || b[i] != ' ' {
		return time.Time{}, false
	}
	year, ok := digits(b, i+1, 4)
	if !ok {
		return time.Time{}, false
	}
	return time.Date(year, mon, day, h, m, s, ns, time.UTC), true
}

// parseCLFTime reads the common log format's "21/Nov/2026:09:20:02 +0000".
func parseCLFTime(b []byte) (time.Time, bool) {
	if len(b) < 20 || b[2] != '/' || b[6] != '/' || b[11] != ':' {
		return time.Time{}, false
	}
	day, ok := digits(b, 0, 2)
	mon, ok2 := month(b[3:])
	year, ok3 := digits(b, 7, 4)
	h, m, s, ok4 := clockAt(b, 12)
	if !ok || !ok2 || !ok3 || !ok4 {
		return time.Time{}, false
	}
	t := time.Date(year, mon, day, h, m, s, 0, time.UTC)
	if len(b) >= 26 && b[20] == ' ' && (b[21] == '+' || b[21] == '-') {
		oh, ok1 := digits(b, 22, 2)
		om, ok2 := digits(b, 24, 2)
		if ok1 && ok2 {
			off := time.Duration(oh)*time.Hour + time.Duration(om)*time.Minute
			if b[21] == '+' {
				off = -off
			}
			t = t.Add(off)
		}
	}
	return t, true
}

// parseDashedTime reads "2026/11/21 09:20:06" (nginx) or "2026-11-21 10:00:55,221" (log4j-style
// system logs, also with '.' or 'T'), returning how many bytes it used.
func parseDashedTime(b []byte) (time.Time, int, bool) {
	if len(b) < 19 || (b[4] != '/' && b[4] != '-') || b[7] != b[4] || (b[10] != ' ' && b[10] != 'T') {
		return time.Time{}, 0, false
	}
	year, ok1 := digits(b, 0, 4)
	mon, ok2 := digits(b, 5, 2)
	day, ok3 := digits(b, 8, 2)
	h, m, s, ok4 := clockAt(b, 11)
	if !ok1 || !ok2 || !ok3 || !ok4 || mon < 1 || mon > 12 {
		return time.Time{}, 0, false
	}
	ns, n := fraction(b, 19)
	return time.Date(year, time.Month(mon), day, h, m, s, ns, time.UTC), 19 + n, true
}

// parseEpochTime reads squid's "1795252826.278" (seconds since 1970 with milliseconds).
func parseEpochTime(b []byte) (time.Time, bool) {
	var sec int64
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		sec = sec*10 + int64(b[i]-'0')
		i++
	}
	if i < 9 || i > 11 {
		return time.Time{}, false
	}
	ns, n := fraction(b, i)
	if i+n != len(b) {
		return time.Time{}, false
	}
	return time.Unix(sec, int64(ns)).UTC(), true
}
