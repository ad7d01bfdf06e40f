/*
 * A shared object must offer exactly the symbols it promises and nothing
 * else: any other exported symbol could clash with the program that loads
 * it (a login program, or every program on the host for an NSS module).
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exports.h"

static int
check_dlsym(const char *path, const char *const *wanted, size_t nwanted)
{
	void *h;
	size_t i;
	int bad = 0;

	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
		return 1;
	}
	for (i = 0; i < nwanted; i++)
		if (dlsym(h, wanted[i]) == NULL) {
			fprintf(stderr, "missing symbol %s\n", wanted[i]);
			bad = 1;
		}
	dlclose(h);
	return bad;
}

static int
is_wanted(const char *name, const char *const *wanted, size_t nwanted)
{
	size_t i;

	for (i = 0; i < nwanted; i++)
		if (strcmp(name, wanted[i]) == 0)
			return 1;
	return 0;
}

int
elf_section_map(const char *path, ElfW(Word) type, struct elf_section *s)
{
	const ElfW(Ehdr) *eh;
	const ElfW(Shdr) *sh;
	struct stat st;
	size_t i;
	int fd;

	memset(s, 0, sizeof(*s));
	s->map = MAP_FAILED;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 || fstat(fd, &st) == -1 ||
	    (size_t)st.st_size < sizeof(*eh) ||
	    (s->map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd,
	    0)) == MAP_FAILED) {
		perror(path);
		if (fd != -1)
			close(fd);
		return 1;
	}
	close(fd);
	s->size = (size_t)st.st_size;
	eh = s->map;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_shoff + (size_t)eh->e_shnum * sizeof(*sh) > s->size) {
		fprintf(stderr, "%s: not an ELF file of this machine\n", path);
		return 1;
	}
	sh = (const ElfW(Shdr) *)((const char *)s->map + eh->e_shoff);
	for (i = 0; i < eh->e_shnum && s->sec == NULL; i++)
		if (sh[i].sh_type == type)
			s->sec = &sh[i];
	if (s->sec == NULL || s->sec->sh_link >= eh->e_shnum ||
	    s->sec->sh_offset + s->sec->sh_size > s->size ||
	    sh[s->sec->sh_link].sh_offset + sh[s->sec->sh_link].sh_size > s->size) {
		fprintf(stderr, "%s: no section of type %u\n", path, (unsigned)type);
		s->sec = NULL;
		return 1;
	}
	s->strtab = &sh[s->sec->sh_link];
	return 0;
}

void
elf_section_unmap(struct elf_section *s)
{
	if (s->map != MAP_FAILED && s->map != NULL)
		munmap(s->map, s->size);
	s->map = MAP_FAILED;
}

/* Every defined, visible symbol of .dynsym must be one of wanted[]. */
static int
check_dynsym(const char *path, const char *const *wanted, size_t nwanted)
{
	struct elf_section es;
	const ElfW(Sym) *sym;
	const char *names;
	size_t i, n, exported = 0;
	int bad = 1;

	if (elf_section_map(path, SHT_DYNSYM, &es) != 0)
		goto out;
	sym = (const ElfW(Sym) *)((const char *)es.map + es.sec->sh_offset);
	names = (const char *)es.map + es.strtab->sh_offset;
	n = es.sec->sh_size / sizeof(*sym);
	bad = 0;
	for (i = 0; i < n; i++) {
		const char *name = names + sym[i].st_name;
		int bind = ELF64_ST_BIND(sym[i].st_info);

		if (sym[i].st_shndx == SHN_UNDEF || sym[i].st_name == 0 ||
		    (bind != STB_GLOBAL && bind != STB_WEAK &&
		    bind != STB_GNU_UNIQUE))
			continue;
		if (ELF64_ST_VISIBILITY(sym[i].st_other) != STV_DEFAULT &&
		    ELF64_ST_VISIBILITY(sym[i].st_other) != STV_PROTECTED)
			continue;
		if (!is_wanted(name, wanted, nwanted)) {
			fprintf(stderr, "unexpected exported symbol %s\n", name);
			bad = 1;
		} else
			exported++;
	}
	if (exported != nwanted) {
		fprintf(stderr, "%zu of the %zu expected symbols exported\n",
		    exported, nwanted);
		bad = 1;
	}
out:
	elf_section_unmap(&es);
	return bad;
}

int
exports_check(const char *path, const char *const *wanted, size_t nwanted)
{
	int bad;

	bad = check_dlsym(path, wanted, nwanted);
	bad |= check_dynsym(path, wanted, nwanted);
	if (!bad)
		printf("%s exports exactly its %zu symbols\n", path, nwanted);
	return bad ? 1 : 0;
}
