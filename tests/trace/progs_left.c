/* Lists the tracer's BPF programs (names starting "as_") left behind: loaded,
 * with an id above the one given, and owned by a process that no longer runs.
 * The owner is the pid the loader stored in the programs' .rodata (struct
 * as_config), so tracers other tests or people run meanwhile do not count.
 * Programs without an owner come from another build and are ignored.
 * Exits 1 if there are any. "trace_progs_left --max-id" prints the highest
 * program id now, to pass to a later check. Retries for a second: the kernel
 * frees a program just after its last reference goes. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "trace_event.h"

static int alive(uint32_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

/* The owner pid from the program's .rodata, 0 when not found. */
static uint32_t owner_of(int prog_fd)
{
	uint32_t ids[32];
	struct bpf_prog_info info;
	unsigned len = sizeof(info);
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 32;
	info.map_ids = (uint64_t)(uintptr_t)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return 0;
	for (unsigned i = 0; i < info.nr_map_ids && i < 32; i++) {
		int fd = bpf_map_get_fd_by_id(ids[i]);
		if (fd < 0)
			continue;
		struct bpf_map_info mi;
		unsigned mlen = sizeof(mi);
		memset(&mi, 0, sizeof(mi));
		uint32_t owner = 0;
		if (!bpf_obj_get_info_by_fd(fd, &mi, &mlen) && strstr(mi.name, "rodata") &&
		    mi.value_size >= sizeof(struct as_config) && mi.value_size < (1u << 20)) {
			unsigned char *v = calloc(1, mi.value_size);
			uint32_t key = 0;
			if (v && !bpf_map_lookup_elem(fd, &key, v)) {
				for (size_t off = 0;
				     off + sizeof(struct as_config) <= mi.value_size; off += 4) {
					struct as_config c;
					memcpy(&c, v + off, sizeof(c));
					if (c.magic == AS_CONFIG_MAGIC) {
						owner = c.owner;
						break;
					}
				}
			}
			free(v);
		}
		close(fd);
		if (owner)
			return owner;
	}
	return 0;
}

static int scan(unsigned after, int print, unsigned *max_id)
{
	unsigned id = 0;
	int found = 0;
	*max_id = 0;
	while (!bpf_prog_get_next_id(id, &id)) {
		*max_id = id;
		if (id <= after)
			continue;
		int fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;
		struct bpf_prog_info info;
		unsigned len = sizeof(info);
		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && !strncmp(info.name, "as_", 3)) {
			/* No owner recorded: a tracer from another build (someone else's
			 * checkout), which this build's tests cannot judge. */
			uint32_t owner = owner_of(fd);
			if (owner && !alive(owner)) {
				found++;
				if (print)
					printf("left loaded: id %u name %s owner %u (gone)\n", id,
					       info.name, owner);
			}
		}
		close(fd);
	}
	return found;
}

int main(int argc, char **argv)
{
	unsigned max_id;
	if (argc == 2 && !strcmp(argv[1], "--max-id")) {
		scan(0xffffffffu, 0, &max_id);
		printf("%u\n", max_id);
		return 0;
	}
	unsigned after = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 0;
	for (int i = 0; i < 20; i++) {
		if (!scan(after, 0, &max_id))
			return 0;
		usleep(50 * 1000);
	}
	scan(after, 1, &max_id);
	return 1;
}
