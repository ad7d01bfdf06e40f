/* Check that a shared object exports exactly the given symbols. */
#ifndef AUTHD_TEST_EXPORTS_H
#define AUTHD_TEST_EXPORTS_H

#include <elf.h>
#include <link.h>
#include <stddef.h>

/* A file mapped read-only, one of its sections and that section's string table. */
struct elf_section {
	void *map;
	size_t size;
	const ElfW(Shdr) *sec;
	const ElfW(Shdr) *strtab;
};

/*
 * Map path and find its first section of type (SHT_DYNSYM, SHT_DYNAMIC),
 * checked to lie inside the file: 0, or 1 with the reason on stderr.
 * elf_section_unmap() in both cases.
 */
int elf_section_map(const char *path, ElfW(Word) type, struct elf_section *s);
void elf_section_unmap(struct elf_section *s);

/* 0 when path resolves every wanted symbol with dlsym() and its .dynsym
 * defines no other visible symbol; else 1 with the reasons on stderr. */
int exports_check(const char *path, const char *const *wanted, size_t nwanted);

#endif
