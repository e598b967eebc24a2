print(("<b>x</b><b>y</b>"):gsub("<b>(.-)</b>", "[%1]"))
