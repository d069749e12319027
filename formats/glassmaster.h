/*
 * glassmaster.h - the umbrella header of libglassmaster: include this one
 * and link with `pkg-config --libs glassmaster`.
 */
#ifndef GLASSMASTER_H
#define GLASSMASTER_H

#include "error.h"
#include "formats.h"
#include "image.h"
#include "rip.h"
#include "fs.h"
#include "master.h"
#include "hash.h"
#include "verify.h"

#endif
