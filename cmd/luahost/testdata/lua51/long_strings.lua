print([[line1
line2]], [==[with ]] inside]==])
