// Whole-file read/write with errors that name the file.
#ifndef SEPNN_RT_IO_FILE_H
#define SEPNN_RT_IO_FILE_H

#include <string>

namespace sepnn {
namespace rt {

std::string readFile(const std::string &path);
void writeFile(const std::string &path, const std::string &bytes);

} // namespace rt
} // namespace sepnn

#endif
