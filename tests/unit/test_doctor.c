// SPDX-License-Identifier: GPL-2.0
/* test_doctor.c - the pure parts of `wgaudit doctor`: the kernel lockdown
 * file and dynamic debug control lines (formats as the kernel prints them,
 * lib/dynamic_debug.c ddebug_proc_show: "file:line [module]function =flags
 * \"format\""). */
#include "test.h"
#include "cli/doctor.h"

TEST(lockdown_states)
{
	char out[32];

	doctor_lockdown_parse("[none] integrity confidentiality", out, sizeof(out));
	CHECK_STR(out, "none");
	doctor_lockdown_parse("none [integrity] confidentiality", out, sizeof(out));
	CHECK_STR(out, "integrity");
	doctor_lockdown_parse("none integrity [confidentiality]", out, sizeof(out));
	CHECK_STR(out, "confidentiality");
	doctor_lockdown_parse("garbage", out, sizeof(out));
	CHECK_STR(out, "");
	doctor_lockdown_parse("[unterminated", out, sizeof(out));
	CHECK_STR(out, "");
	doctor_lockdown_parse("[far_too_long_for_the_buffer_given]", out, 8);
	CHECK_STR(out, "");
}

TEST(dyndbg_lines)
{
	CHECK_INT(doctor_dyndbg_line("drivers/net/wireguard/noise.c:577 [wireguard]wg_noise_handshake_consume_initiation =p \"%s: Invalid handshake initiation from %pISpfsc\\012\"\n"), 1);
	CHECK_INT(doctor_dyndbg_line("drivers/net/wireguard/send.c:31 [wireguard]wg_packet_send_handshake_initiation =_ \"%s: Sending handshake initiation to peer %llu (%pISpfsc)\\012\"\n"), 0);
	CHECK_INT(doctor_dyndbg_line("drivers/net/wireguard/peer.c:60 [wireguard]wg_peer_create =pmflt \"%s: Peer %llu created\\012\"\n"), 1);
	/* another module, and a wireguard format that only mentions 'p' */
	CHECK_INT(doctor_dyndbg_line("init/main.c:1179 [main]initcall_blacklist =_ \"blacklisting initcall %s\\012\"\n"), -1);
	CHECK_INT(doctor_dyndbg_line("drivers/net/wireguard/x.c:1 [wireguard]f =_ \"peer up\\012\"\n"), 0);
	CHECK_INT(doctor_dyndbg_line("# filename:lineno [module]function flags format\n"), -1);
	CHECK_INT(doctor_dyndbg_line("x [wireguard]truncated"), 0);
}

TEST_MAIN()
