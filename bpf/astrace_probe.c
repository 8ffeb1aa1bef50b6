/* What this kernel takes, asked before the load as libbpf-tools' runqslower
 * asks: tp_btf or raw_tp programs, and which hooks can count a loop's ready
 * connections. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/btf.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "astrace_int.h" /* before the skeleton: it has the shared structs */
#include "astrace_bpf.skel.h"

static const char *const tracepoints[NTP] = { "sched_switch", "sched_wakeup", "sched_wakeup_new",
					      "sched_process_fork", "sched_process_exit" };

/* Whether a BTF string section names a "btf_trace_<tp>" type for each
 * tracepoint (bit 0), and the function ep_poll_callback (bit 1: fentry can
 * attach; a kernel that inlined or renamed it has no such name). The section
 * starts with an empty string, so every name has a NUL before it. */
static const char epcb_name[] = "\0ep_poll_callback";

static int trace_types_named(const char *strs, size_t len)
{
	int found = BTF_TP_TYPES;
	for (int i = 0; i < NTP; i++) {
		char name[64];
		int n = snprintf(name, sizeof(name), "%cbtf_trace_%s", 0, tracepoints[i]);
		if (!memmem(strs, len, name, (size_t)n + 1))
			found = 0;
	}
	if (memmem(strs, len, epcb_name, sizeof(epcb_name)))
		found |= BTF_EPCB;
	return found;
}

/* Whether the kernel takes tp_btf programs on our tracepoints, by the types
 * libbpf-tools' runqslower probes for: the kernel's BTF must describe each
 * tracepoint with a btf_trace_<name> typedef, which kernels emit since 5.5 (the
 * release that added tp_btf) when built with CONFIG_DEBUG_INFO_BTF. Only the
 * names are looked for, in the string section, rather than parsing all the
 * types (libbpf does that once more for the load): reading the 5 MB file
 * costs ~15 us a page through sysfs, where mapping it, which recent kernels
 * allow, costs about a millisecond. A "no" costs only the cheaper flavour: the
 * raw_tp programs do the same work. */
static int btf_probe(void)
{
	int ok = 0, fd = open("/sys/kernel/btf/vmlinux", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	struct btf_header h;
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) || h.magic != BTF_MAGIC)
		goto out;
	size_t off = (size_t)h.hdr_len + h.str_off, len = h.str_len;
	char *map = mmap(NULL, off + len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map != MAP_FAILED) {
		ok = trace_types_named(map + off, len);
		munmap(map, off + len);
		goto out;
	}
	/* Older kernels: read the strings, a page per call (sysfs). */
	char *strs = malloc(len);
	size_t got = 0;
	while (strs && got < len) {
		ssize_t n = pread(fd, strs + got, len - got, (off_t)(off + got));
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	ok = strs && got == len ? trace_types_named(strs, len) : 0;
	free(strs);
out:
	close(fd);
	return ok;
}

/* Loads one flavour: the other's programs stay out of the kernel; and the
 * ready hooks in hooks (HOOK_*). */
void astrace__choose_programs(struct astrace_bpf *s, int raw, int hooks)
{
	bpf_program__set_autoload(s->progs.as_epcb, hooks & HOOK_FENTRY);
	bpf_program__set_autoload(s->progs.as_epcb_kp, hooks & HOOK_KPROBE);
	bpf_program__set_autoload(s->progs.as_sk_ready, hooks & HOOK_SKREADY);
	struct bpf_program *btf[NTP] = { s->progs.as_switch, s->progs.as_wakeup, s->progs.as_wnew,
					 s->progs.as_fork, s->progs.as_exit };
	struct bpf_program *rawp[NTP] = { s->progs.as_switch_raw, s->progs.as_wakeup_raw,
					  s->progs.as_wnew_raw, s->progs.as_fork_raw,
					  s->progs.as_exit_raw };
	for (int i = 0; i < NTP; i++) {
		bpf_program__set_autoload(btf[i], !raw);
		bpf_program__set_autoload(rawp[i], raw);
	}
}

/* Whether the kernel loads an fentry program on ep_poll_callback: a two-
 * instruction one, as lockdown refuses fentry at load whatever the program.
 * Costs a parse of the kernel's BTF (tens of ms), against a second load of
 * every program (hundreds) when the first is refused. */
static int fentry_loads(void)
{
	int id = libbpf_find_vmlinux_btf_id("ep_poll_callback", BPF_TRACE_FENTRY);
	if (id <= 0)
		return 0;
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_FENTRY,
		    .attach_btf_id = (uint32_t)id);
	int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "probe_fentry", "GPL", insns, 2, &o);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

void astrace__probe_kernel(const struct astrace_opts *o, int *raw, int *hooks)
{
	/* tp_btf reads task fields directly, raw_tp through probe reads. The
	 * ready count's hooks: fentry where BTF names ep_poll_callback and the
	 * kernel loads a program there, a kprobe where the kernel has kprobes,
	 * and the sk_data_ready tracepoint. */
	int btf = btf_probe();
	*raw = o->force_raw_tp || !(btf & BTF_TP_TYPES);
	*hooks = o->no_ready_hook
		     ? 0
		     : HOOK_SKREADY | ((btf & BTF_EPCB) ? HOOK_FENTRY : 0) |
			   (access("/sys/bus/event_source/devices/kprobe", F_OK) ? 0 : HOOK_KPROBE);
	if ((*hooks & HOOK_FENTRY) && !fentry_loads())
		*hooks &= ~HOOK_FENTRY;
}
