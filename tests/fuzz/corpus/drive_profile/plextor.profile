# a drive with a read offset
vendor PLEXTOR
product DVDR   PX-760A
revision 1.07
read-offset 30
overread-leadin 0
overread-leadout 100
c2 296
cdda-data yes
accurate-stream yes
subq-bad 0
speeds 4x 8x 24x 40x
