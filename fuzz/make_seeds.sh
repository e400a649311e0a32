#!/usr/bin/env bash
# make_seeds.sh: rewrites the committed seed corpora (fuzz/corpus/<target>/), a few hand-made valid
# inputs per fuzz target, from the readable forms below: protobuf text (encoded with protoc) for
# the native protocol, RESP text, and the binary object/context forms of
# core/version/versioned_object.h and context.h written byte by byte. Run it after changing one of
# those formats; scripts/fuzz.sh reads the seeds, the fuzzers' own corpora stay in build-fuzz/.
set -euo pipefail
cd "$(dirname "$0")"
proto_dir=../src/proto

u32() {  # The 4-byte big-endian frame length of the native protocol.
  printf "\\$(printf '%03o' $(($1 >> 24 & 255)))\\$(printf '%03o' $(($1 >> 16 & 255)))"
  printf "\\$(printf '%03o' $(($1 >> 8 & 255)))\\$(printf '%03o' $(($1 & 255)))"
}
frame() {  # MESSAGE TEXT: one frame holding TEXT encoded as ringkv.wire.MESSAGE.
  local payload
  payload=$(mktemp)
  protoc --encode="ringkv.wire.$1" -I "$proto_dir" "$proto_dir/ringkv.proto" <<<"$2" >"$payload"
  u32 "$(stat -c %s "$payload")"
  cat "$payload"
  rm -f "$payload"
}
seed() {  # TARGET NAME: stdin becomes fuzz/corpus/TARGET/NAME.
  mkdir -p "corpus/$1"
  cat >"corpus/$1/$2"
}

# A context (format 1): version vector {actor 1: counter 2 at 100 ms} and the hint "n1", in
# protobuf text escapes (also used inside messages below).
context='\001\001\001\002\144\002n1'
# Objects (format 1): context vector, sibling count, siblings (actor, counter, timestamp, kind 0
# value | 1 tombstone, value length, value).
object_one='\001\001\001\002\144\001\001\002\144\000\002v2'
object_siblings='\001\002\001\001\005\002\001\006\002'
object_siblings+='\001\001\005\000\003red\002\001\006\000\004blue'
object_tombstone='\001\001\001\003\007\001\001\003\007\001'

rm -rf corpus
# client_codec_fuzz: what a node answers.
frame Response "protocol_version: 1 request_id: 7 get { values: \"hello\" context: \"$context\" }" |
  seed client_codec_fuzz get_one_value
frame Response "protocol_version: 1 request_id: 8
  get { values: \"red\" values: \"blue\" context: \"$context\" }" |
  seed client_codec_fuzz get_siblings
frame Response "protocol_version: 1 request_id: 9 get { }" | seed client_codec_fuzz get_absent
{ frame Response "protocol_version: 1 request_id: 10 put { }"
  frame Response "protocol_version: 1 request_id: 11 delete { }"; } |
  seed client_codec_fuzz put_then_delete
frame Response "protocol_version: 1 request_id: 12
  error { code: 6 message: \"only 1 of the w=2 required replicas acknowledged the write\" }" |
  seed client_codec_fuzz error_unavailable
frame Response 'protocol_version: 1 request_id: 13
  scan { keys: "user:1" keys: "user:2" cursor: "1AXVzZXI6Mg" }' | seed client_codec_fuzz scan_page
frame Response 'protocol_version: 1 request_id: 14 scan { cursor: "0" count: 42 }' |
  seed client_codec_fuzz scan_count
frame Response "protocol_version: 1 request_id: 1 cluster_info { partition_count: 4
  members { id: \"n1\" address: \"127.0.0.1:7001\" weight: 1 state: \"up\" }
  members { id: \"n2\" address: \"127.0.0.1:7002\" weight: 1 state: \"up\" }
  partition_owners: [0, 1, 0, 1] default_n: 3 }" |
  seed client_codec_fuzz cluster_info

# native_codec_fuzz: what a node receives from clients, operators and peers.
frame Request 'protocol_version: 1 request_id: 1 get { bucket: "default" key: "user:1" }' |
  seed native_codec_fuzz get
frame Request "protocol_version: 1 request_id: 2 options { w: 2 timeout_ms: 500 }
  put { bucket: \"default\" key: \"user:1\" context: \"$context\"
        value: \"{\\\"name\\\":\\\"ada\\\"}\" }" |
  seed native_codec_fuzz put_with_context
{ frame Request 'protocol_version: 1 request_id: 3 delete { key: "k" }'
  frame Request 'protocol_version: 1 request_id: 4 cluster_info { }'
  frame Request 'protocol_version: 1 request_id: 5 node_status { }'; } |
  seed native_codec_fuzz pipelined
frame Request 'protocol_version: 1 request_id: 6 membership { remove { node: "n3" } }' |
  seed native_codec_fuzz membership_remove
frame Request 'protocol_version: 1 peer { from: "n2" ping { sequence: 3 sent_at_ms: 1000 } }' |
  seed native_codec_fuzz peer_ping
frame Request "protocol_version: 1 peer { from: \"n2\" replica_write {
  operation_id: 4 bucket: \"default\" key: \"k\" object: \"$object_siblings\" } }" |
  seed native_codec_fuzz peer_replica_write
frame Request 'protocol_version: 1 peer { from: "n1" forward_request { forward_id: 5
  request { protocol_version: 1 put { key: "k" value: "v" } } } }' |
  seed native_codec_fuzz peer_forward_request
frame Request 'protocol_version: 1 request_id: 7 options { r: 1 }
  scan { cursor: "1AXVzZXI6Mg" count: 100 match: "user:*" type: "string" }' |
  seed native_codec_fuzz scan
frame Request 'protocol_version: 1 peer { from: "n2" scan_request { operation_id: 8
  bucket: "default" partition: 3 after: "user:1" limit: 10 match: "u*[0-9]" } }' |
  seed native_codec_fuzz peer_scan_request
frame Request 'protocol_version: 1 peer { from: "n3" scan_reply { operation_id: 8
  keys: "user:2" keys: "user:7" last_key: "user:9" count: 2 } }' |
  seed native_codec_fuzz peer_scan_reply

# resp_parser_fuzz: the first byte chooses where the input is cut in two reads.
printf '\007*3\r\n$3\r\nSET\r\n$8\r\ngreeting\r\n$5\r\nhello\r\n' | seed resp_parser_fuzz set
printf '\003*2\r\n$3\r\nGET\r\n$8\r\ngreeting\r\n*1\r\n$4\r\nPING\r\n' |
  seed resp_parser_fuzz get_ping_pipelined
printf '\002PING\r\nGET greeting\r\n' | seed resp_parser_fuzz inline_commands
printf '\011*3\r\n$4\r\nMGET\r\n$1\r\na\r\n$0\r\n\r\n' | seed resp_parser_fuzz mget_empty_argument

# resp_commands_fuzz: a connection's requests, planned in order with one session.
printf 'HELLO 3 SETNAME fuzz\r\nSET a 1\r\nGET a\r\nMGET a b\r\nGET b\r\n' |
  seed resp_commands_fuzz hello3_reads
printf 'MULTI\r\nSET a 1 NX\r\nSELECT 1\r\nDEL a b\r\nGETALL a\r\nEXEC\r\n' |
  seed resp_commands_fuzz multi_exec
printf 'MULTI\r\nSET a 1\r\nLPUSH l x\r\nEXEC\r\nCLIENT LIST\r\nINFO\r\n' |
  seed resp_commands_fuzz multi_aborted
printf '*3\r\n$7\r\nCOMMAND\r\n$4\r\nDOCS\r\n$3\r\nset\r\n*2\r\n$7\r\nCOMMAND\r\n$4\r\nINFO\r\n' |
  seed resp_commands_fuzz command_docs_info
printf 'CLIENT SETINFO lib-name fuzz\r\nCLIENT INFO\r\nAUTH default x\r\nTIME\r\nRESET\r\n' |
  seed resp_commands_fuzz client_auth_time
printf 'SETCTX a "" 1\r\nSETCTX b "" 2\r\nSCAN 0 COUNT 1\r\nSCAN 1 MATCH * TYPE string\r\nKEYS *\r\n' |
  seed resp_commands_fuzz keyspace
printf 'DBSIZE\r\nMULTI\r\nSCAN 0\r\nFLUSHDB\r\nEXEC\r\nSELECT 1\r\nFLUSHALL ASYNC\r\n' |
  seed resp_commands_fuzz keyspace_flush

# glob_fuzz: a pattern, a NUL, a text.
printf 'user:*\000user:42' | seed glob_fuzz star
printf 'h[^e]llo\000hallo' | seed glob_fuzz negated_set
printf '[a-z0-9\\]]?*\\*\000q7*' | seed glob_fuzz ranges_and_escapes
printf '*a*a*a*a*a*b\000aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' | seed glob_fuzz backtracking

# scan_cursor_fuzz: cursors as clients send them back (partition 3 after "user:1"; partition 0
# after "k"; the start).
printf '1A3VzZXI6MQ' | seed scan_cursor_fuzz partition_and_key
printf '1AGs' | seed scan_cursor_fuzz first_partition
printf '0' | seed scan_cursor_fuzz start

# versioned_object_fuzz: stored objects and contexts.
printf "$object_one" | seed versioned_object_fuzz object_one_value
printf "$object_siblings" | seed versioned_object_fuzz object_two_siblings
printf "$object_tombstone" | seed versioned_object_fuzz object_tombstone
printf "$context" | seed versioned_object_fuzz context

# HTTP requests as http_api_fuzz reads them: method, target, headers, empty line, body; bytes
# after a 0xff byte drive the fake core's replies.
printf 'GET\n/buckets/b/keys/k?r=quorum\naccept: application/json\n\n\xff\x02one12345two' |
  seed http_api_fuzz get_siblings
printf 'PUT\n/buckets/b/keys/a%%2Fb?w=2&timeout=100\nx-ringkv-context: Y3R4\n\nvalue' |
  seed http_api_fuzz put_with_context
printf 'GET\n/buckets/b/keys?keys=stream&max_results=2\n\n\xff\x05k1k2\x05k3k4\x00' |
  seed http_api_fuzz stream_keys
printf 'POST\n/buckets/b/datatypes/h\ncontent-type: application/json\n\n{"update":{"f":"v"},"increment":{"n":2}}' |
  seed http_api_fuzz datatype_update
printf 'DELETE\n/buckets/b/keys/k\n\n' | seed http_api_fuzz delete
printf 'PUT\n/buckets/b/props\ncontent-type: application/json\n\n{"props":{"n":5,"w":"all","conflict":"lww"}}' |
  seed http_api_fuzz bucket_props

find corpus -type f | sort
