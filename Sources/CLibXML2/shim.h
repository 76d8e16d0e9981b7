#ifndef CLVBENCH_LIBXML2_SHIM_H
#define CLVBENCH_LIBXML2_SHIM_H
// libxml2's headers pull in the system ICU when LIBXML_ICU_ENABLED is defined, which clashes with
// Foundation's ICU in one build ("'UErrorCode' has different definitions"). Read the version header
// first, then switch ICU off before the rest (TECH-NOTES.md).
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <libxml/xmlsave.h>

// xmlFree is a global function pointer that Swift 6 rejects as shared mutable state.
static inline void clv_xml_free(void *p) { xmlFree(p); }
static inline const char *clv_libxml_version(void) { return LIBXML_DOTTED_VERSION; }
#endif
