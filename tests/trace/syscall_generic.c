/* The generic syscall numbers (aarch64's and every newer architecture's), in a
 * file of their own: <asm-generic/unistd.h> and the host's <sys/syscall.h>
 * define the same __NR_ names with different numbers. */
#include <string.h>

#include <asm-generic/unistd.h>

#include "syscall_generic.h"

#define N(x) { #x, __NR_##x },
static const struct {
	const char *name;
	long nr;
} generic[] = {
#include "syscall_list.h"
};

long syscall_generic_nr(const char *name)
{
	for (size_t i = 0; i < sizeof(generic) / sizeof(generic[0]); i++)
		if (!strcmp(generic[i].name, name))
			return generic[i].nr;
	return -1;
}
