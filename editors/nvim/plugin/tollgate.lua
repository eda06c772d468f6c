-- Starts the Tollgate language server (`tollgate lsp`) for every `tollgate` buffer. Loaded from the
-- runtime path (`set rtp+=editors/nvim`); `require('tollgate').setup({...})` changes the command or
-- the callbacks at any time before the first policy is opened.
if vim.g.loaded_tollgate == 1 then
  return
end
vim.g.loaded_tollgate = 1

require('tollgate').register_autocmd()
