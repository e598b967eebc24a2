local function inner()
  error("something broke")
end
inner()
