package csv

import (
	"bufio"

	"github.com/sluice-stream/sluice/connectors/format"
)

// SplitFunc implements format.Splitter: it frames the records of a CSV
// file. A record ends at \n, \r\n or \r outside quotes, so a quoted value
// may hold line breaks; the last record needs no line break. Tokens carry
// no line break. Invalid options give a SplitFunc that returns their
// error.
func (Factory) SplitFunc(ctx *format.Context) bufio.SplitFunc {
	cfg, err := readConfig(ctx)
	if err != nil {
		return func([]byte, bool) (int, []byte, error) { return 0, nil, err }
	}
	return cfg.split
}

func (c *config) split(data []byte, atEOF bool) (advance int, token []byte, err error) {
	if len(data) == 0 {
		return 0, nil, nil
	}
	comment := c.allowComments && data[0] == '#'
	fieldStart, inQuotes := true, false
	for i := 0; i < len(data); i++ {
		b := data[i]
		if inQuotes {
			switch {
			case c.escaping && b == c.escape:
				i++ // the escaped byte is content
			case b == c.quote:
				if i+1 == len(data) && !atEOF {
					return 0, nil, nil // a doubled quote may follow
				}
				if i+1 < len(data) && data[i+1] == c.quote {
					i++
				} else {
					inQuotes = false
				}
			}
			continue
		}
		switch {
		case b == '\n':
			return i + 1, data[:i], nil
		case b == '\r':
			if i+1 < len(data) {
				if data[i+1] == '\n' {
					return i + 2, data[:i], nil
				}
				return i + 1, data[:i], nil
			}
			if atEOF {
				return i + 1, data[:i], nil
			}
			return 0, nil, nil // \r\n may be split across reads
		case comment:
		case c.escaping && b == c.escape:
			i++
			fieldStart = false
		case fieldStart && c.quoting && b == c.quote:
			inQuotes, fieldStart = true, false
		default:
			fieldStart = b == c.delim
		}
	}
	if atEOF {
		return len(data), data, nil
	}
	return 0, nil, nil
}
