// mime_types.h: the file-name extension the http scanner gives a body of a given Content-Type,
// the same table as tcpflow 1.6.1 (established by observing its output for each type).
#ifndef TCPFLOW_MIME_TYPES_H
#define TCPFLOW_MIME_TYPES_H

#include <string_view>

namespace tcpflow {

// `content_type` is the Content-Type header value as received. As the reference does: leading
// spaces and tabs are skipped (its header parser drops them), then the part before the first ';'
// is lower-cased (trailing white space is kept, so "text/html ;x" matches nothing) and looked up.
// Returns the extension without the dot ("html", "jpg"), or "" for a type not in the table.
std::string_view ExtensionForContentType(std::string_view content_type);

}  // namespace tcpflow

#endif  // TCPFLOW_MIME_TYPES_H
