// Echo server on nhooyr.io/websocket (Debian's golang-nhooyr-websocket-dev), built in GOPATH
// mode against /usr/share/gocode as gorilla's. Prints "listening on ws://127.0.0.1:PORT/" when ready.
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"

	"nhooyr.io/websocket"
)

// permessage-deflate (nhooyr's default mode, no context takeover) only in the panel's deflate run
// (WSPROBE_PEER_DEFLATE=1); otherwise disabled, as the other peers' main runs.
var compression = websocket.CompressionDisabled

func echo(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		InsecureSkipVerify: true, CompressionMode: compression})
	if err != nil {
		return
	}
	defer conn.Close(websocket.StatusInternalError, "")
	conn.SetReadLimit(1 << 25)
	ctx := context.Background()
	for {
		kind, data, err := conn.Read(ctx)
		if err != nil {
			return
		}
		if err := conn.Write(ctx, kind, data); err != nil {
			return
		}
	}
}

func main() {
	if os.Getenv("WSPROBE_PEER_DEFLATE") == "1" {
		compression = websocket.CompressionNoContextTakeover
	}
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
