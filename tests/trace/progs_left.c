/* Prints the tracer's BPF programs (names starting "as_") still loaded with an id
 * above the one given, and exits 1 if there are any. "trace_progs_left --max-id"
 * prints the highest program id now, to pass to a later check. Retries for a
 * second: the kernel frees a program just after its last reference goes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

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
			found++;
			if (print)
				printf("left loaded: id %u name %s\n", id, info.name);
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
