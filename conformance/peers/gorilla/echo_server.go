// Echo server on gorilla/websocket (Debian's golang-github-gorilla-websocket-dev), built in GOPATH
// mode against /usr/share/gocode. Prints "listening on ws://127.0.0.1:PORT/" when ready.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"

	"github.com/gorilla/websocket"
)

// permessage-deflate (gorilla supports it with no context takeover) only in the panel's deflate
// run (WSPROBE_PEER_DEFLATE=1).
var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true },
	EnableCompression: os.Getenv("WSPROBE_PEER_DEFLATE") == "1"}

func echo(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	conn.SetReadLimit(1 << 25)
	for {
		kind, data, err := conn.ReadMessage()
		if err != nil {
			return
		}
		if err := conn.WriteMessage(kind, data); err != nil {
			return
		}
	}
}

func main() {
	port := "0"
	if len(os.Args) > 1 {
		port = os.Args[1]
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Printf("listening on ws://127.0.0.1:%d/\n", ln.Addr().(*net.TCPAddr).Port)
	http.Serve(ln, http.HandlerFunc(echo))
}
