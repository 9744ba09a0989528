// Autobahn fuzzingserver client on gorilla/websocket (Debian's golang-github-gorilla-websocket-dev),
// built in GOPATH mode against /usr/share/gocode: gorilla_client BASE_URL AGENT. Limit 1 MiB.
// Messages are echoed as gorilla hands them over (it does not check UTF-8 itself). Offers
// permessage-deflate (RFC 7692; gorilla offers it only with EnableCompression, and only with
// both no_context_takeover parameters).
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/gorilla/websocket"
)

// visit opens one connection, echoes every message (echo) or collects them, until it is closed.
func visit(url string, echo bool) []string {
	var got []string
	dialer := *websocket.DefaultDialer
	dialer.EnableCompression = true
	conn, _, err := dialer.Dial(url, nil)
	if err != nil {
		return got
	}
	defer conn.Close()
	conn.SetReadLimit(1 << 20)
	for {
		kind, data, err := conn.ReadMessage()
		if err != nil {
			return got
		}
		if !echo {
			got = append(got, string(data))
		} else if err := conn.WriteMessage(kind, data); err != nil {
			return got
		}
	}
}

func main() {
	base, agent := os.Args[1], os.Args[2]
	got := visit(base+"getCaseCount", false)
	if len(got) == 0 {
		fmt.Fprintln(os.Stderr, "no case count")
		os.Exit(1)
	}
	count, _ := strconv.Atoi(got[0])
	for n := 1; n <= count; n++ {
		visit(fmt.Sprintf("%srunCase?case=%d&agent=%s", base, n, agent), true)
	}
	visit(base+"updateReports?agent="+agent, false)
}
