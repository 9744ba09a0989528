#!/usr/bin/perl
# Echo server on Mojolicious (Debian's libmojolicious-perl), Mojo::Server::Daemon on its own
# event loop. Binds 127.0.0.1 on the given port (0: a free one) and prints the readiness line.
use strict;
use warnings;
use Mojolicious::Lite -signatures;
use Mojo::Server::Daemon;

$ENV{MOJO_MAX_WEBSOCKET_SIZE} = 1 << 25;  # the panel's message limit (default 256 KiB)
$ENV{MOJO_LOG_LEVEL} = 'fatal';

# No compression unless WSPROBE_PEER_DEFLATE=1 (the panel's permessage-deflate run, RFC 7692):
# then Mojo's with_compression, which answers any offer naming permessage-deflate.
my $deflate = ($ENV{WSPROBE_PEER_DEFLATE} // '') eq '1';

websocket '/' => sub ($c) {
  $c->inactivity_timeout(60);
  $c->tx->with_compression if $deflate;
  # 'text' and 'binary' give the raw bytes, so the echo keeps the message type (and Mojo's own
  # UTF-8 check on text messages).
  $c->on(text   => sub ($c, $bytes) { $c->send({text => $bytes}) });
  $c->on(binary => sub ($c, $bytes) { $c->send({binary => $bytes}) });
};

my $port = $ARGV[0] // 0;
my $daemon = Mojo::Server::Daemon->new(app => app, listen => ["http://127.0.0.1:$port"], silent => 1);
$daemon->start;
my $bound = $daemon->ports->[0];
$| = 1;
print "listening on ws://127.0.0.1:$bound/\n";
$daemon->ioloop->start;
