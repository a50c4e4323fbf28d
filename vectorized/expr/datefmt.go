package expr

import (
	"fmt"
	"strings"
)

// dateFormat is a compiled Java date-time pattern (the letters of
// SimpleDateFormat / DateTimeFormatter that Flink users write): y M d D E a
// H h k K m s S u z Z X and quoted literals. 'S' is the fraction of a second
// with as many digits as letters (DateTimeFormatter's meaning, which is what
// Flink's DATE_FORMAT uses since 1.15; for SSS it equals milliseconds).
type dateFormat struct {
	items []fmtItem
}

type fmtItem struct {
	letter byte // 0 for a literal
	count  int
	lit    string
}

var (
	monthNames = []string{"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December"}
	dayNames = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
)

func compileDateFormat(p string) (*dateFormat, error) {
	f := &dateFormat{}
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\'':
			j := i + 1
			var lit strings.Builder
			for {
				if j >= len(p) {
					return nil, fmt.Errorf("unterminated quote in date pattern %q", p)
				}
				if p[j] == '\'' {
					if j+1 < len(p) && p[j+1] == '\'' {
						lit.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				lit.WriteByte(p[j])
				j++
			}
			if j == i+1 {
				lit.WriteByte('\'') // '' is a quote
			}
			f.items = append(f.items, fmtItem{lit: lit.String()})
			i = j + 1
		case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
			j := i
			for j < len(p) && p[j] == c {
				j++
			}
			if !strings.ContainsRune("yMdDEaHhkKmsSuzZXw", rune(c)) {
				return nil, fmt.Errorf("unsupported pattern letter %q in date pattern %q", c, p)
			}
			if c == 'w' && j-i > 2 {
				return nil, fmt.Errorf("too many pattern letters: w in date pattern %q", p)
			}
			f.items = append(f.items, fmtItem{letter: c, count: j - i})
			i = j
		default:
			f.items = append(f.items, fmtItem{lit: string(c)})
			i++
		}
	}
	return f, nil
}

// wallClock is a broken-down local date-time.
type wallClock struct {
	days   int64 // days since the epoch
	nanos  int64 // nanoseconds of the day
	offset int   // zone offset in seconds (for z/Z/X)
	zone   string
}

func (f *dateFormat) appendFormat(b []byte, w wallClock) []byte {
	y, m, d := civilFromDays(w.days)
	secs := w.nanos / nanosPerSecond
	hour := int(secs / 3600)
	for _, it := range f.items {
		if it.letter == 0 {
			b = append(b, it.lit...)
			continue
		}
		n := it.count
		switch it.letter {
		case 'y':
			if n == 2 {
				b = pad(b, int64(floorMod(int64(y), 100)), 2)
			} else {
				b = pad(b, int64(y), n)
			}
		case 'M':
			switch {
			case n >= 4:
				b = append(b, monthNames[m-1]...)
			case n == 3:
				b = append(b, monthNames[m-1][:3]...)
			default:
				b = pad(b, int64(m), n)
			}
		case 'd':
			b = pad(b, int64(d), n)
		case 'D':
			b = pad(b, w.days-civilDays(y, 1, 1)+1, n)
		case 'E':
			dn := dayNames[floorMod(w.days+3, 7)] // 1970-01-01 was a Thursday
			if n >= 4 {
				b = append(b, dn...)
			} else {
				b = append(b, dn[:3]...)
			}
		case 'u':
			b = pad(b, floorMod(w.days+3, 7)+1, n)
		case 'w':
			b = pad(b, usWeekOfYear(w.days, y), n)
		case 'a':
			if hour < 12 {
				b = append(b, "AM"...)
			} else {
				b = append(b, "PM"...)
			}
		case 'H':
			b = pad(b, int64(hour), n)
		case 'k':
			h := hour
			if h == 0 {
				h = 24
			}
			b = pad(b, int64(h), n)
		case 'h':
			h := hour % 12
			if h == 0 {
				h = 12
			}
			b = pad(b, int64(h), n)
		case 'K':
			b = pad(b, int64(hour%12), n)
		case 'm':
			b = pad(b, secs/60%60, n)
		case 's':
			b = pad(b, secs%60, n)
		case 'S':
			frac := w.nanos % nanosPerSecond
			digits := fmt.Sprintf("%09d", frac)
			for len(digits) < n {
				digits += "0"
			}
			b = append(b, digits[:n]...)
		case 'z':
			b = append(b, w.zone...)
		case 'Z', 'X':
			off := w.offset
			if it.letter == 'X' && off == 0 {
				b = append(b, 'Z')
				continue
			}
			sign := byte('+')
			if off < 0 {
				sign, off = '-', -off
			}
			b = append(b, sign)
			b = pad(b, int64(off/3600), 2)
			if it.letter == 'X' && n >= 3 {
				b = append(b, ':')
			}
			if it.letter == 'Z' || n >= 2 {
				b = pad(b, int64(off/60%60), 2)
			}
		}
	}
	return b
}

// parse reads s with the pattern; fields that are absent default to
// 1970-01-01 00:00:00. Numeric fields take up to their letter count digits
// when the next item is another number, otherwise as many as present.
func (f *dateFormat) parse(s string) (wallClock, bool) {
	y, m, d := 1970, 1, 1
	hour, minute, sec := 0, 0, 0
	var frac int64
	pm, hasAmPm, hour12 := false, false, false
	pos := 0
	for k, it := range f.items {
		if it.letter == 0 {
			if !strings.HasPrefix(s[pos:], it.lit) {
				return wallClock{}, false
			}
			pos += len(it.lit)
			continue
		}
		maxDigits := 9
		if k+1 < len(f.items) && f.items[k+1].letter != 0 {
			maxDigits = it.count // adjacent numeric fields: fixed width
		}
		readNum := func(minDigits int) (int, bool) {
			start := pos
			for pos < len(s) && pos-start < maxDigits && s[pos] >= '0' && s[pos] <= '9' {
				pos++
			}
			if pos-start < minDigits {
				return 0, false
			}
			v := 0
			for _, c := range s[start:pos] {
				v = v*10 + int(c-'0')
			}
			return v, true
		}
		var ok bool
		switch it.letter {
		case 'y':
			y, ok = readNum(1)
			if ok && it.count == 2 && y < 100 {
				y += 2000
			}
		case 'M':
			if it.count >= 3 {
				ok = false
				for i, name := range monthNames {
					cand := name
					if it.count == 3 {
						cand = name[:3]
					}
					if len(s)-pos >= len(cand) && strings.EqualFold(s[pos:pos+len(cand)], cand) {
						m, pos, ok = i+1, pos+len(cand), true
						break
					}
				}
			} else {
				m, ok = readNum(1)
			}
		case 'd':
			d, ok = readNum(1)
		case 'H', 'k':
			hour, ok = readNum(1)
			if ok && it.letter == 'k' && hour == 24 {
				hour = 0
			}
		case 'h', 'K':
			hour, ok = readNum(1)
			hour12 = true
			if ok && it.letter == 'h' && hour == 12 {
				hour = 0
			}
		case 'm':
			minute, ok = readNum(1)
		case 's':
			sec, ok = readNum(1)
		case 'S':
			start := pos
			for pos < len(s) && pos-start < it.count && s[pos] >= '0' && s[pos] <= '9' {
				pos++
			}
			ok = pos-start == it.count
			if ok {
				digits := s[start:pos]
				for len(digits) < 9 {
					digits += "0"
				}
				v := int64(0)
				for _, c := range digits[:9] {
					v = v*10 + int64(c-'0')
				}
				frac = v
			}
		case 'a':
			switch {
			case len(s)-pos >= 2 && strings.EqualFold(s[pos:pos+2], "AM"):
				ok, pm = true, false
			case len(s)-pos >= 2 && strings.EqualFold(s[pos:pos+2], "PM"):
				ok, pm = true, true
			}
			pos += 2
			hasAmPm = true
		case 'E':
			ok = false
			for _, name := range dayNames {
				cand := name
				if it.count < 4 {
					cand = name[:3]
				}
				if len(s)-pos >= len(cand) && strings.EqualFold(s[pos:pos+len(cand)], cand) {
					pos, ok = pos+len(cand), true
					break
				}
			}
		default:
			return wallClock{}, false
		}
		if !ok {
			return wallClock{}, false
		}
	}
	if pos != len(s) {
		return wallClock{}, false
	}
	if hour12 && hasAmPm && pm {
		hour += 12
	}
	if m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m) || hour > 23 || minute > 59 || sec > 59 {
		return wallClock{}, false
	}
	return wallClock{
		days:  civilDays(y, m, d),
		nanos: (int64(hour)*3600+int64(minute)*60+int64(sec))*nanosPerSecond + frac,
	}, true
}
