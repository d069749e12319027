/*
 * fs.c - finding the file systems in a data track: ISO 9660 (ECMA-119
 * 8.4: the volume descriptor set from sector 16, fields read with
 * libiso9660's accessors) and UDF (ECMA-167 2/8.3: the volume recognition
 * sequence BEA01, NSR02/NSR03, TEA01; the logical volume identifier from
 * the file-system reader, on any image format).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <cdio/iso9660.h>

#include "verify.h"
#include "fs.h"
#include "banned.h"

#define VD_FIRST 16
#define VD_MAX 64	/* descriptors looked at, at most */

int gm_fs_probe(struct gm_ctx *ctx, struct gm_source *src, int32_t lba,
		const char *path, struct gm_fs_info *fs)
{
	uint8_t buf[GM_SECTOR_USER];
	enum gm_sector_status status;

	memset(fs, 0, sizeof(*fs));
	for (int i = 0; i < VD_MAX; i++) {
		struct gm_read req = {
			.lba = lba + VD_FIRST + i, .count = 1,
			.kind = GM_SECTOR_KIND_USER, .data = buf, .status = &status
		};
		int ret = gm_source_read(ctx, src, &req);

		if (ret != 0)
			return ret;
		if (status != GM_SECTOR_GOOD && status != GM_SECTOR_SYNTH)
			break;
		if (memcmp(buf + 1, "CD001", 5) == 0) {
			const iso9660_pvd_t *pvd = (const iso9660_pvd_t *)buf;

			if (buf[0] == ISO_VD_PRIMARY && !fs->iso9660) {
				char *label = iso9660_get_volume_id(pvd);

				fs->iso9660 = true;
				fs->iso_blocks = (uint32_t)iso9660_get_pvd_space_size(pvd);
				fs->iso_block_size = (uint32_t)iso9660_get_pvd_block_size(pvd);
				if (label != NULL) {
					snprintf(fs->iso_label, sizeof(fs->iso_label), "%s", label);
					cdio_free(label);
				}
			} else if (buf[0] == ISO_VD_SUPPLEMENTARY && buf[88] == 0x25
				   && buf[89] == 0x2f
				   && (buf[90] == 0x40 || buf[90] == 0x43 || buf[90] == 0x45)) {
				fs->joliet = true;	/* escape sequences %/@, %/C, %/E */
			} else if (buf[0] == ISO_VD_END && fs->iso9660) {
				continue;	/* a UDF sequence may follow */
			}
		} else if (memcmp(buf + 1, "NSR02", 5) == 0
			   || memcmp(buf + 1, "NSR03", 5) == 0) {
			fs->udf = true;
			memcpy(fs->udf_revision, buf + 1, 5);
		} else if (memcmp(buf + 1, "TEA01", 5) == 0) {
			break;
		} else if (memcmp(buf + 1, "BEA01", 5) != 0
			   && memcmp(buf + 1, "BOOT2", 5) != 0) {
			break;
		}
	}
	if (fs->udf && lba == 0) {
		/* the logical volume's name, through the file-system reader */
		struct gm_fs_opts o = { .type = GM_FS_UDF, .volume_only = true };
		struct gm_fs *udf = NULL;

		if (gm_fs_open(ctx, src, &o, &udf) == 0)
			snprintf(fs->udf_label, sizeof(fs->udf_label), "%s", gm_fs_label(udf));
		gm_fs_free(udf);
	}
	(void)path;
	return 0;
}
