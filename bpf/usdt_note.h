/* Which USDT probes an ELF file carries, read from its .note.stapsdt section
 * (the format <sys/sdt.h> emits), so the tracer attaches only to probes that
 * exist and skips binaries without them. */
#ifndef ASTRACE_USDT_NOTE_H
#define ASTRACE_USDT_NOTE_H

/* Calls fn(provider, name, arg) for each probe note in path. 0, or a negative
 * errno: -ENOENT no such file, -ENOEXEC not an ELF file. A file without the
 * section has no probes and returns 0. */
int usdt_note_each(const char *path, void (*fn)(const char *provider, const char *name, void *arg),
		   void *arg);

#endif
