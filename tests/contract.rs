//! The hostile-client contract (testkit/src/contract.rs) against every server the book
//! ships. Each line writes a module of tests: `cargo test --test contract chat_server`
//! runs one server's. The servers that serve many clients at once and stop gracefully
//! give their connections two seconds (their `GRACE`).

testkit::hostile_client_contract!(first_echo_server: "first-echo-server", Echo);
testkit::hostile_client_contract!(echo_server: "echo-server", Echo);
testkit::hostile_client_contract!(echo_server_spawn: "echo-server-spawn", Echo);
testkit::hostile_client_contract!(echo_server_threaded: "echo-server-threaded", Echo, grace: 2);
testkit::hostile_client_contract!(echo_server_pool: "echo-server-pool", Echo, grace: 2);
testkit::hostile_client_contract!(echo_server_async: "echo-server-async", Echo, grace: 2);
testkit::hostile_client_contract!(echo_server_mio: "echo-server-mio", Echo, grace: 2);
testkit::hostile_client_contract!(chat_server: "chat-server", Chat, grace: 2);
testkit::hostile_client_contract!(line_server: "line-server-solution", Lines);
testkit::hostile_client_contract!(chat_commands: "chat-commands-solution", Chat, grace: 2);
