package conformance

import "testing"

// TestHeaderScan finds the end of the final header of a response fed in
// pieces, past informational ones, with CRLF or LF lines, and its
// Content-Length.
func TestHeaderScan(t *testing.T) {
	tests := []struct {
		name   string
		pieces []string
		end    int // offset in the last piece past the header; -1: not ended
		length int64
	}{
		{"one piece", []string{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"}, 38, 5},
		{"split in the blank line", []string{"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r", "\nhello"}, 1, 12},
		{"LF lines", []string{"HTTP/1.1 404 Not Found\ncontent-length:3\n\nabc"}, 41, 3},
		{"informational first", []string{"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nxyz"}, 78, 7},
		{"blank lines before the status", []string{"\r\nHTTP/1.1 200 OK\r\n\r\n"}, 21, 0},
		{"not ended", []string{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"}, -1, 5},
		{"a long Content-Length line is not read", []string{"HTTP/1.1 200 OK\r\nContent-Length: 0000000000000000000000000000000005\r\n\r\n"}, 71, 0},
		{"a bad Content-Length", []string{"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"}, 39, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s headerScan
			end, done := -1, false
			for _, p := range tt.pieces {
				if done {
					t.Fatal("ended before the last piece")
				}
				var n int
				if n, done = s.feed([]byte(p)); done {
					end = n
				}
			}
			if end != tt.end || s.contentLength != tt.length {
				t.Errorf("end %d, Content-Length %d; want %d, %d", end, s.contentLength, tt.end, tt.length)
			}
		})
	}
}
