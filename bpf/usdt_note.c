/* Reads .note.stapsdt with libelf. Each note (owner "stapsdt", type 3) holds
 * three addresses (probe, link-time base, semaphore) then provider\0name\0args\0. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include <unistd.h>

#include "usdt_note.h"

#define STAPSDT_TYPE 3

int usdt_note_each(const char *path, void (*fn)(const char *provider, const char *name, void *arg),
		   void *arg)
{
	int rc = 0;
	Elf *elf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		rc = -ENOEXEC;
		goto out;
	}
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		rc = -ENOEXEC;
		goto out;
	}
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx)) {
		rc = -ENOEXEC;
		goto out;
	}
	int is64 = gelf_getclass(elf) == ELFCLASS64;
	size_t addr_sz = is64 ? 8 : 4;
	for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".note.stapsdt"))
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off;
		while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			const char *owner = (const char *)data->d_buf + name_off;
			if (nh.n_type != STAPSDT_TYPE || nh.n_namesz != 8 || memcmp(owner, "stapsdt", 8))
				continue;
			const char *d = (const char *)data->d_buf + desc_off;
			size_t len = nh.n_descsz;
			if (len <= 3 * addr_sz)
				continue;
			const char *prov = d + 3 * addr_sz;
			const char *end = d + len;
			const char *pname = memchr(prov, 0, (size_t)(end - prov));
			if (!pname || ++pname >= end || !memchr(pname, 0, (size_t)(end - pname)))
				continue;
			fn(prov, pname, arg);
		}
	}
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return rc;
}
