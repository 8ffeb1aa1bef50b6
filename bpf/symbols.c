/* Stack snapshots unwound and named with libdwfl (see symbols.h). The unwinder
 * is libdwfl's own, fed through Dwfl_Thread_Callbacks: the snapshot's registers
 * are the thread's initial state, and memory reads are served from the copied
 * stack, so the live process is never stopped or read (the snapshot is from
 * the past; the process has moved on). Only its maps and files are read. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <elfutils/libdwfl.h>

#include "symbols.h"

struct sym {
	pid_t pid;
	Dwfl *dwfl;
	int reported; /* the maps were read */
	int attached; /* dwfl_attach_state was called */
	const struct as_stack_ev *ev; /* the snapshot being unwound */
	uint64_t pcs[SYM_MAX_FRAMES];
	int act[SYM_MAX_FRAMES];
	int npc;
};

static char *debuginfo_path;

static const Dwfl_Callbacks proc_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

int sym_open(struct sym **out, pid_t pid)
{
	struct sym *s = calloc(1, sizeof(*s));
	*out = s;
	if (!s)
		return -ENOMEM;
	s->pid = pid;
	return 0;
}

void sym_close(struct sym *s)
{
	if (!s)
		return;
	if (s->dwfl)
		dwfl_end(s->dwfl);
	free(s);
}

/* (Re)reads the process's maps: modules gone are dropped, new ones added. */
static int report(struct sym *s)
{
	if (!s->dwfl && !(s->dwfl = dwfl_begin(&proc_callbacks)))
		return -ENOMEM;
	dwfl_report_begin(s->dwfl);
	int rc = dwfl_linux_proc_report(s->dwfl, s->pid);
	dwfl_report_end(s->dwfl, NULL, NULL);
	if (rc)
		return rc > 0 ? -rc : -ESRCH;
	s->reported = 1;
	return 0;
}

/* The module at addr, reading the maps again once when none is (a library
 * loaded after the last read). */
static Dwfl_Module *module_at(struct sym *s, uint64_t addr, int *again)
{
	Dwfl_Module *m = s->dwfl ? dwfl_addrmodule(s->dwfl, addr) : NULL;
	if (!m && *again) {
		*again = 0;
		if (!report(s))
			m = dwfl_addrmodule(s->dwfl, addr);
	}
	return m;
}

static const char *base_name(const char *path)
{
	const char *b = path ? strrchr(path, '/') : NULL;
	return b ? b + 1 : path ? path : "?";
}

/* The name of the frame at pc; lookup is pc for the first frame and pc - 1 for
 * the others (a return address may already belong to the next function). in_libc
 * tells the C library and the dynamic loader from the program's own code. */
static void frame_name(struct sym *s, uint64_t pc, uint64_t lookup, char *out, size_t n,
		       const char **fn, int *in_libc, int *again)
{
	Dwfl_Module *m = module_at(s, lookup, again);
	*fn = NULL;
	*in_libc = 0;
	if (!m) {
		snprintf(out, n, "0x%llx", (unsigned long long)pc);
		return;
	}
	Dwarf_Addr start = 0;
	const char *mod = base_name(dwfl_module_info(m, NULL, &start, NULL, NULL, NULL, NULL, NULL));
	*in_libc = !strncmp(mod, "libc.so", 7) || !strncmp(mod, "libc-", 5) ||
		   !strncmp(mod, "ld-linux", 8) || !strncmp(mod, "libpthread", 10) ||
		   !strncmp(mod, "[vdso", 5) || !strncmp(mod, "linux-vdso", 10);
	GElf_Off off = 0;
	GElf_Sym sym;
	const char *name = dwfl_module_addrinfo(m, lookup, &off, &sym, NULL, NULL, NULL);
	if (name) {
		/* Without the symbol version: clock_nanosleep, not clock_nanosleep@GLIBC_2.2.5
		 * (callers are cut the same way, see sym_stack). */
		int len = (int)strcspn(name, "@");
		*fn = name;
		snprintf(out, n, "%.*s+0x%llx", len, name, (unsigned long long)(off + (pc - lookup)));
	} else {
		snprintf(out, n, "%s+0x%llx", mod, (unsigned long long)(pc - start));
	}
}

int sym_addr(struct sym *s, uint64_t addr, char *out, size_t n)
{
	int rc = s->reported ? 0 : report(s), again = 1, libc;
	const char *fn;
	if (rc)
		return rc;
	frame_name(s, addr, addr, out, n, &fn, &libc, &again);
	return 0;
}

/* The unwinder's view of the one thread of a snapshot. */
static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	(void)dwfl;
	struct sym *s = arg;
	if (*thread_argp)
		return 0; /* one thread only */
	*thread_argp = s;
	return s->ev ? (pid_t)s->ev->pid : 0;
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	(void)dwfl;
	struct sym *s = arg;
	*thread_argp = s;
	return s->ev && (pid_t)s->ev->pid == tid;
}

/* Stack words come from the copy; anything else cannot be read, which ends
 * the unwinding there. */
static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	(void)dwfl;
	struct sym *s = arg;
	uint64_t sp = s->ev->regs[7];
	if (addr < sp || addr - sp + sizeof(*result) > s->ev->size)
		return false;
	memcpy(result, s->ev->data + (addr - sp), sizeof(*result));
	return true;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	struct sym *s = arg;
	Dwarf_Word regs[AS_NREGS];
	for (int i = 0; i < AS_NREGS; i++)
		regs[i] = s->ev->regs[i];
	return dwfl_thread_state_registers(thread, 0, AS_NREGS, regs);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

static int on_frame(Dwfl_Frame *f, void *arg)
{
	struct sym *s = arg;
	Dwarf_Addr pc;
	bool act = false;
	if (!dwfl_frame_pc(f, &pc, &act) || !pc)
		return DWARF_CB_ABORT;
	s->pcs[s->npc] = pc;
	s->act[s->npc] = act;
	return ++s->npc < SYM_MAX_FRAMES ? DWARF_CB_OK : DWARF_CB_ABORT;
}

int sym_stack(struct sym *s, const struct as_stack_ev *ev, char *text, size_t n,
	      char *callers, size_t m)
{
	text[0] = callers[0] = 0;
#if !defined(__x86_64__)
	(void)s;
	(void)ev;
	(void)n;
	(void)m;
	return 0; /* the kernel side sends x86_64 registers only */
#else
	int rc = s->reported ? 0 : report(s);
	if (rc)
		return rc;
	if (!s->attached) {
		if (!dwfl_attach_state(s->dwfl, NULL, s->pid, &thread_callbacks, s))
			return -ENOEXEC; /* no module to tell the architecture by */
		s->attached = 1;
	}
	s->ev = ev;
	s->npc = 0;
	/* An error ends the walk where it is (a frame without CFI, the end of
	 * the copy): the frames so far stand. */
	dwfl_getthread_frames(s->dwfl, (pid_t)ev->pid, on_frame, s);
	if (!s->npc && ev->regs[16]) { /* not even one: the pc alone */
		s->pcs[0] = ev->regs[16];
		s->act[0] = 1;
		s->npc = 1;
	}
	size_t used = 0, cused = 0;
	int again = 1, ncallers = 0, seen_own = 0;
	for (int i = 0; i < s->npc; i++) {
		char name[256];
		const char *fn;
		int libc;
		uint64_t pc = s->pcs[i], lookup = s->act[i] ? pc : pc - 1;
		frame_name(s, pc, lookup, name, sizeof(name), &fn, &libc, &again);
		int w = snprintf(text + used, n - used, "%s%s", i ? ";" : "", name);
		if (w < 0 || (size_t)w >= n - used) {
			text[used] = 0; /* whole frames only */
			break;
		}
		used += (size_t)w;
		/* Callers: from the first frame outside libc on, at most four,
		 * those with a name (a stripped interpreter's static functions
		 * have none: module+0xoff says nothing to a reader). */
		if (libc && !seen_own)
			continue;
		seen_own = 1;
		if (!fn)
			continue;
		if (ncallers < 4 && cused < m) {
			w = snprintf(callers + cused, m - cused, "%s%.*s", ncallers ? " <- " : "",
				     (int)strcspn(fn, "@"), fn);
			if (w > 0 && (size_t)w < m - cused) {
				cused += (size_t)w;
				ncallers++;
			} else {
				callers[cused] = 0;
			}
		}
	}
	s->ev = NULL;
	return s->npc;
#endif
}
